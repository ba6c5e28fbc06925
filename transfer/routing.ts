// Where a record goes: the topic set to consume and the Elasticsearch index base of each
// record, decided purely from the config snapshot and the record (the daily name:
// common/event/index-name.ts).

import type { ConfigSnapshot } from '../common/config/snapshot.ts';
import { indexBase } from '../common/schema/collect-entry.ts';

export interface Routing {
  topics: string[];
  /** Index base by collection name (the entry's `index`, default its topic). */
  byCollection: Map<string, string>;
  /** Index base by topic, for records whose collection is unknown (other producers, removed entries). */
  byTopic: Map<string, string>;
}

export function routingFrom(snapshot: ConfigSnapshot): Routing {
  const byCollection = new Map<string, string>();
  const byTopic = new Map<string, string>();
  for (const c of snapshot.collections.values()) {
    if (!c.entry) continue;
    const base = indexBase(c.entry);
    byCollection.set(c.name, base);
    if (!byTopic.has(c.entry.topic)) byTopic.set(c.entry.topic, base);
  }
  return { topics: [...byTopic.keys()].sort(), byCollection, byTopic };
}

export function indexBaseFor(routing: Routing, topic: string, collection: unknown): string {
  return (
    (typeof collection === 'string' ? routing.byCollection.get(collection) : undefined) ??
    routing.byTopic.get(topic) ??
    topic.toLowerCase()
  );
}
