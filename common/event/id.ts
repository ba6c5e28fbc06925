// The event's identity: `event.id` is a hash of (node, file identity) followed by the event's
// byte offset in base 36, so the same line read twice (agent crash, Kafka retry, transfer
// replay) gets the same id and Elasticsearch keeps it once (`op_type: create`,
// `_id = event.id`). The hash is computed once per file, not once per line: a SHA-256 per line
// was a tenth of the agent's CPU. Within a file the offset makes ids unique by construction;
// across files the 132-bit prefix does. Ids of one file share a prefix and grow with the
// offset, which Lucene's terms dictionary looks up faster than random ids. The record key keeps
// one file's records in one partition, in order.

import { hash } from 'node:crypto';

/** The per-file part of every id: 22 base64url characters (132 bits) of SHA-256(node, file identity). */
export function eventIdPrefix(node: string, fileId: string): string {
  return hash('sha256', `${node}\0${fileId}`, 'base64url').slice(0, ID_PREFIX_CHARS);
}

export const ID_PREFIX_CHARS = 22;

/** The id of the event at `offset` of a file whose prefix is `prefix` (eventIdPrefix). */
export const eventIdAt = (prefix: string, offset: number): string => prefix + offset.toString(36);

/** prefix(node, file identity) + byte offset: the same line always gets the same id. */
export function eventId(node: string, fileId: string, offset: number): string {
  return eventIdAt(eventIdPrefix(node, fileId), offset);
}

/** The Kafka record key: `<node>/<file identity>`. */
export const recordKey = (node: string, fileId: string): string => `${node}/${fileId}`;

/** The longest `event.id` the transfer takes as a document id (Elasticsearch allows 512 bytes). */
export const MAX_EVENT_ID_CHARS = 512;
