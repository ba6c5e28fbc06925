// The event's identity: `event.id` is a hash of (node, file identity, byte offset), so the same
// line read twice (agent crash, Kafka retry, transfer replay) gets the same id and
// Elasticsearch keeps it once (`op_type: create`, `_id = event.id`). The record key keeps one
// file's records in one partition, in order.

import { hash } from 'node:crypto';

/** hash(node, file identity, byte offset): the same line always gets the same id. */
export function eventId(node: string, fileId: string, offset: number): string {
  // crypto.hash is the one-shot form: the same digest without a Hash object per line.
  return hash('sha256', `${node}\0${fileId}\0${offset}`, 'base64url').slice(0, 27);
}

/** The Kafka record key: `<node>/<file identity>`. */
export const recordKey = (node: string, fileId: string): string => `${node}/${fileId}`;

/** The longest `event.id` the transfer takes as a document id (Elasticsearch allows 512 bytes). */
export const MAX_EVENT_ID_CHARS = 512;
