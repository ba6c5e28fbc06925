// The event (DESIGN.md "The event"): one Kafka record per log event, ECS field names, a
// deterministic id so a line read twice is recognised downstream.

import { hash } from 'node:crypto';

export interface EventSource {
  node: string;
  collection: string;
  path: string;
  fileId: string;
  fields?: Record<string, string>;
  kubernetes?: { namespace: string; pod: string; container: string; labels?: Record<string, string> };
}

/** hash(node, file identity, byte offset): the same line always gets the same id. */
export function eventId(node: string, fileId: string, offset: number): string {
  // crypto.hash is the one-shot form: the same digest without a Hash object per line.
  return hash('sha256', `${node}\0${fileId}\0${offset}`, 'base64url').slice(0, 27);
}

export const recordKey = (node: string, fileId: string): string => `${node}/${fileId}`;

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
  [extra: string]: unknown;
}

export function buildEvent(
  src: EventSource,
  offset: number,
  message: string,
  timestamp: string,
  extra?: Record<string, unknown>,
  marks?: { truncated?: boolean; invalidUtf8?: boolean; originalBytes?: number },
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
