// Kafka record → Elasticsearch document. Records from the agent carry `event.id`; records
// from other producers get an id from topic/partition/offset, so a replay is still idempotent.

import type { BulkDoc } from './bulk.ts';
import { dailyIndex, indexBaseFor, type Routing } from './routing.ts';

export interface InRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  value: Buffer | null;
}

export function toDoc(rec: InRecord, routing: Routing): BulkDoc {
  let source: Record<string, unknown>;
  let changed = false;
  const text = rec.value?.toString('utf8') ?? '';
  try {
    const parsed: unknown = JSON.parse(text);
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    source = isObject ? (parsed as Record<string, unknown>) : { message: text };
    changed = !isObject;
  } catch {
    source = { message: text };
    changed = true;
  }
  const event = (typeof source.event === 'object' && source.event !== null ? source.event : {}) as Record<
    string,
    unknown
  >;
  let id =
    typeof event.id === 'string' && event.id.length > 0 && event.id.length <= 512 ? event.id : undefined;
  if (!id) {
    id = `${rec.topic}-${rec.partition}-${rec.offset}`;
    source.event = { ...event, id };
    changed = true;
  }
  const recordMs = Number(rec.timestamp);
  if (typeof source['@timestamp'] !== 'string') {
    source['@timestamp'] = new Date(Number.isFinite(recordMs) ? recordMs : Date.now()).toISOString();
    changed = true;
  }
  const collection = (source.collection as { name?: unknown } | undefined)?.name;
  const index = dailyIndex(
    indexBaseFor(routing, rec.topic, collection),
    source['@timestamp'] as string,
    recordMs,
  );
  return {
    index,
    id,
    source,
    topic: rec.topic,
    partition: rec.partition,
    offset: rec.offset,
    raw: rec.value,
    // An agent record needs no change: its bytes are the document, no second stringify.
    ...(changed ? {} : { sourceText: text }),
  };
}
