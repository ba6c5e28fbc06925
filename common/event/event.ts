// The event (docs/design.md "The event"): one Kafka record per log event, with ECS field names so
// Kibana needs no mapping work. The agent writes it (encode.ts), the transfer reads it
// (reader.ts), the producer shrinks it (stub.ts); this file is the shape they all agree on.

import { eventId } from './id.ts';

/** Where an event comes from: fixed per file, so the encoder prepares it once. */
export interface EventSource {
  node: string;
  collection: string;
  path: string;
  fileId: string;
  fields?: Record<string, string>;
  kubernetes?: { namespace: string; pod: string; container: string; labels?: Record<string, string> };
}

export interface LogEvent {
  '@timestamp': string;
  message: string;
  event: { id: string; truncated?: boolean; invalid_utf8?: boolean; original_bytes?: number };
  log: { file: { path: string }; offset: number };
  host: { name: string };
  collection: { name: string };
  kubernetes?: {
    namespace: string;
    pod: { name: string };
    container: { name: string };
    labels?: Record<string, string>;
  };
  fields?: Record<string, string>;
  /** The container stream (CRI, docker), else a JSON line's own `stream`, of any type. */
  stream?: unknown;
  /** Why the line is not what its format says (`{ message }`), else a JSON line's own `error`. */
  error?: unknown;
  [extra: string]: unknown;
}

/**
 * Every top-level name the agent writes: the one list. A parsed line's own keys of these
 * names never replace the agent's, and they are all that survives a record's truncation.
 */
export const RESERVED = [
  '@timestamp',
  'message',
  'event',
  'log',
  'host',
  'collection',
  'kubernetes',
  'fields',
  'stream',
  'error',
] as const;
export type ReservedName = (typeof RESERVED)[number];

const reserved: ReadonlySet<string> = new Set(RESERVED);
export const isReserved = (name: string): name is ReservedName => reserved.has(name);

/**
 * The reserved names the agent writes only when it has a value (a container stream, a parse
 * error). A JSON line's own `stream` or `error` (common in application logs) is kept as a
 * field; the agent's value replaces it when there is one.
 */
export const WRITTEN_WHEN_SET: readonly ReservedName[] = ['stream', 'error'];

const alwaysOwned: ReadonlySet<string> = new Set(RESERVED.filter((k) => !WRITTEN_WHEN_SET.includes(k)));
/** A name a parsed line cannot carry as a field of its own: the agent always writes it. */
export const isAlwaysOwned = (name: string): boolean => alwaysOwned.has(name);

export interface EventMarks {
  truncated?: boolean;
  invalidUtf8?: boolean;
  /** Bytes of the whole event in the file (recorded when truncated). */
  originalBytes?: number;
}

/** The event as an object, for the general path: parsed fields first, the agent's names win. */
export function buildEvent(
  src: EventSource,
  offset: number,
  message: string,
  timestamp: string,
  extra?: Record<string, unknown>,
  marks?: EventMarks,
): LogEvent {
  const ev: LogEvent = {
    ...extra,
    '@timestamp': timestamp,
    message,
    event: { id: eventId(src.node, src.fileId, offset) },
    log: { file: { path: src.path }, offset },
    host: { name: src.node },
    collection: { name: src.collection },
  };
  if (marks?.truncated) {
    ev.event.truncated = true;
    ev.event.original_bytes = marks.originalBytes;
  }
  if (marks?.invalidUtf8) ev.event.invalid_utf8 = true;
  if (src.kubernetes) {
    ev.kubernetes = {
      namespace: src.kubernetes.namespace,
      pod: { name: src.kubernetes.pod },
      container: { name: src.kubernetes.container },
      ...(src.kubernetes.labels ? { labels: src.kubernetes.labels } : {}),
    };
  }
  if (src.fields && Object.keys(src.fields).length) ev.fields = src.fields;
  return ev;
}
