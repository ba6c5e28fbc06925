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

// The shape the agent's encoder writes for plain lines (agent/encode.ts): the timestamp first,
// the message (a JSON string, so no unescaped quote inside), an optional stream, then the id.
// Field names written with unescaped quotes cannot occur inside a JSON string, so these
// matches cannot be fooled by a message's content.
const AGENT_HEAD =
  /^\{"@timestamp":"([0-9T:.Z+-]{10,40})","message":"(?:[^"\\]|\\.)*"(?:,"stream":"[a-z]{1,16}")?,"event":\{"id":"([A-Za-z0-9_-]{1,512})"/;
const COLLECTION = /,"collection":\{"name":"((?:[^"\\]|\\.)*)"\}/;

/** Agent records in the plain-line shape are routed without parsing the whole document. */
function fastAgentDoc(rec: InRecord, routing: Routing, text: string): BulkDoc | undefined {
  // Long records take the general path: a regex over a huge string costs more than it saves.
  if (text.length > 65536) return undefined;
  const head = AGENT_HEAD.exec(text);
  if (!head) return undefined;
  const coll = COLLECTION.exec(text.slice(head[0].length));
  if (!coll || !text.endsWith('}')) return undefined;
  const collection = coll[1]!.includes('\\') ? (JSON.parse(`"${coll[1]}"`) as string) : coll[1]!;
  const index = dailyIndex(indexBaseFor(routing, rec.topic, collection), head[1], Number(rec.timestamp));
  return {
    index,
    id: head[2]!,
    source: {},
    sourceText: text,
    topic: rec.topic,
    partition: rec.partition,
    offset: rec.offset,
    raw: rec.value,
  };
}

export function toDoc(rec: InRecord, routing: Routing): BulkDoc {
  const text = rec.value?.toString('utf8') ?? '';
  const fast = fastAgentDoc(rec, routing, text);
  if (fast) return fast;
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
