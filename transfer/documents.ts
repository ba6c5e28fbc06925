// Kafka record → Elasticsearch document. Records from the agent carry `event.id`; records
// from other producers get an id from topic/partition/offset, so a replay is still idempotent.

import { dailyIndex } from '../common/event/index-name.ts';
import { headOf, readHead } from '../common/event/reader.ts';
import type { BulkDoc } from './bulk.ts';
import { indexBaseFor, type Routing } from './routing.ts';

export interface InRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  value: Buffer | null;
}

export function toDoc(rec: InRecord, routing: Routing): BulkDoc {
  const text = rec.value?.toString('utf8') ?? '';
  const recordMs = Number(rec.timestamp);
  // An agent record in the plain-line shape is routed from its head, without a full parse,
  // and needs no change: its bytes are the document.
  const head = readHead(text);
  if (head)
    return {
      index: dailyIndex(indexBaseFor(routing, rec.topic, head.collection), head.timestamp, recordMs),
      id: head.id!,
      source: {},
      sourceText: text,
      topic: rec.topic,
      partition: rec.partition,
      offset: rec.offset,
      raw: rec.value,
    };
  let source: Record<string, unknown>;
  let changed = false;
  try {
    const parsed: unknown = JSON.parse(text);
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    source = isObject ? (parsed as Record<string, unknown>) : { message: text };
    changed = !isObject;
  } catch {
    source = { message: text };
    changed = true;
  }
  const found = headOf(source);
  let { id, timestamp } = found;
  if (!id) {
    id = `${rec.topic}-${rec.partition}-${rec.offset}`;
    const event = source['event'];
    source['event'] = { ...(typeof event === 'object' && event !== null ? event : {}), id };
    changed = true;
  }
  if (timestamp === undefined) {
    timestamp = new Date(Number.isFinite(recordMs) ? recordMs : Date.now()).toISOString();
    source['@timestamp'] = timestamp;
    changed = true;
  }
  return {
    index: dailyIndex(indexBaseFor(routing, rec.topic, found.collection), timestamp, recordMs),
    id,
    source,
    topic: rec.topic,
    partition: rec.partition,
    offset: rec.offset,
    raw: rec.value,
    // A record needing no change is sent as its own bytes, no second stringify.
    ...(changed ? {} : { sourceText: text }),
  };
}
