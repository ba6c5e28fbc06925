// The encoder's inverse, for the transfer: what a record says about where it goes (@timestamp,
// event.id, collection.name). The fast path reads it from the text of a record in the exact
// shape encode.ts writes for plain lines, without parsing the message; anything else is parsed
// in full by the caller and read with headOf. Both give the same answer for any text the fast
// path accepts (reader.test.ts checks it on random and hostile records): its grammar is a
// subset of JSON's, string by string and number by number, and names each key it reads once.

import { MAX_EVENT_ID_CHARS } from './id.ts';

export interface EventHead {
  /** `@timestamp`, when it is a string. */
  timestamp: string | undefined;
  /** `event.id`, when it can be a document id (a string of 1 to 512 characters). */
  id: string | undefined;
  /** `collection.name`, when it is a string. */
  collection: string | undefined;
}

/** The head of a parsed record (the general path). */
export function headOf(doc: Record<string, unknown>): EventHead {
  const ts = doc['@timestamp'];
  const ev = doc['event'];
  const id = typeof ev === 'object' && ev !== null ? (ev as { id?: unknown }).id : undefined;
  const coll = doc['collection'];
  const name = typeof coll === 'object' && coll !== null ? (coll as { name?: unknown }).name : undefined;
  return {
    timestamp: typeof ts === 'string' ? ts : undefined,
    id: typeof id === 'string' && id.length > 0 && id.length <= MAX_EVENT_ID_CHARS ? id : undefined,
    collection: typeof name === 'string' ? name : undefined,
  };
}

/** Longer records take the general path: a regex over a huge string costs more than it saves. */
export const FAST_PATH_MAX_CHARS = 65536;

// A JSON string exactly as JSON.parse takes it: no raw control character, only valid escapes.
// Written as Friedl's unrolled loop (a run of plain characters, then escape + run, repeated):
// each repetition must start with the backslash a run cannot take, so a match never backtracks
// into a run, and it is faster than one alternation per character.
const STR = String.raw`"[^"\\\u0000-\u001f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001f]*)*"`;
const UINT = '(?:0|[1-9][0-9]*)';
/** A JSON object of strings (labels, static fields). */
const MAP = String.raw`\{(?:${STR}:${STR}(?:,${STR}:${STR})*)?\}`;
// The whole record, in encode.ts's order: what buildEvent + JSON.stringify writes when a line
// has no parsed fields, which the plain-line fragments repeat. The timestamp and the id are
// captured only in shapes that need no unescaping; others go to the general path.
const RECORD = new RegExp(
  String.raw`^\{"@timestamp":"([0-9T:.Z+-]{10,40})","message":${STR}(?:,"stream":${STR})?` +
    String.raw`,"event":\{"id":"([A-Za-z0-9_-]{1,${MAX_EVENT_ID_CHARS}})"` +
    String.raw`(?:,"(?:truncated|invalid_utf8)":(?:true|false)|,"original_bytes":${UINT})*\}` +
    String.raw`,"log":\{"file":\{"path":${STR}\},"offset":${UINT}\},"host":\{"name":${STR}\}` +
    String.raw`,"collection":\{"name":(${STR})\}` +
    String.raw`(?:,"kubernetes":\{"namespace":${STR},"pod":\{"name":${STR}\},"container":\{"name":${STR}\}(?:,"labels":${MAP})?\})?` +
    String.raw`(?:,"fields":${MAP})?(?:,"error":\{"message":${STR}\})?\}$`,
);

/** The head of a record in the encoder's shape, or undefined: parse it and use headOf. */
export function readHead(text: string): EventHead | undefined {
  if (text.length > FAST_PATH_MAX_CHARS) return undefined;
  const m = RECORD.exec(text);
  if (!m) return undefined;
  const name = m[3]!;
  return {
    timestamp: m[1]!,
    id: m[2]!,
    collection: name.includes('\\') ? (JSON.parse(name) as string) : name.slice(1, -1),
  };
}
