// A record too large for its topic even alone (max.message.bytes below the agent's record
// limit) becomes a stub rather than blocking its file: what identifies and places the event
// (event.id, @timestamp, file, offset, host, collection, Kubernetes metadata, stream), the
// first 1 KiB of its message, marked `event.truncated`, and why in `error.message`.

import type { ReservedName } from './event.ts';

/** What is kept of the message of a record Kafka refuses even alone. */
export const STUB_MESSAGE_CHARS = 1024;

/** The reserved names a stub copies as they are; `message`, `event` and `error` are rewritten. */
const KEPT: readonly ReservedName[] = ['@timestamp', 'log', 'host', 'collection', 'kubernetes', 'stream'];

/** The stub sent for a record its topic refuses. */
export function refusedStub(value: Buffer, topic: string): string {
  const ev = objectOrEmpty(parseOrUndefined(value.toString('utf8')));
  const message = typeof ev['message'] === 'string' ? ev['message'] : '';
  const stub: Record<string, unknown> = {};
  for (const k of KEPT) if (ev[k] !== undefined) stub[k] = ev[k];
  stub['message'] = message.slice(0, STUB_MESSAGE_CHARS);
  stub['event'] = { ...objectOrEmpty(ev['event']), truncated: true };
  stub['error'] = {
    message: `Kafka refused the ${value.length}-byte record: topic ${topic} takes less (max.message.bytes); the message is cut to ${STUB_MESSAGE_CHARS} characters`,
  };
  return JSON.stringify(stub);
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON: only the error is left
  }
}

const objectOrEmpty = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
