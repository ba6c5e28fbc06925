// Decoding what etcd holds into the collections to run. Pure: (previous snapshot, raw keys)
// → next snapshot. A value that fails validation never reaches a tailer: the collection keeps
// its last good entry (if it had one) and carries the error, naming the key and the problem.

import { collectionNameOf, LEGACY_KEY, legacyCollectionName, type CollectionName } from '../keyspace.ts';
import { decodeCollectEntry, type CollectEntry } from '../schema/collect-entry.ts';
import { formatIssues } from '../schema/dsl.ts';
import { decodeLegacyConfig } from '../schema/legacy.ts';

export interface RawValue {
  value: string;
  modRevision: number;
}

export interface CollectionConfig {
  name: CollectionName;
  key: string;
  modRevision: number;
  /** What to run: the current value, or the last good one while the current one is broken. */
  entry?: CollectEntry;
  /** Why the current value was rejected ("<key>: <path>: <problem>"). */
  error?: string;
}

export interface ConfigSnapshot {
  revision: number;
  collections: ReadonlyMap<CollectionName, CollectionConfig>;
}

export const emptySnapshot: ConfigSnapshot = { revision: 0, collections: new Map() };

export function decodeSnapshot(
  prev: ConfigSnapshot,
  raw: ReadonlyMap<string, RawValue>,
  revision: number,
): ConfigSnapshot {
  const out = new Map<CollectionName, CollectionConfig>();
  const keepLastGood = (name: CollectionName, key: string, modRevision: number, error: string) => {
    const last = prev.collections.get(name)?.entry;
    out.set(name, { name, key, modRevision, error, ...(last ? { entry: last } : {}) });
  };

  for (const [key, { value, modRevision }] of raw) {
    if (key === LEGACY_KEY) {
      const legacy = decodeLegacyConfig(value);
      if (legacy.issues) {
        // The whole legacy value is unreadable: keep every legacy collection's last good entry.
        for (const [name] of prev.collections) {
          if (name.startsWith('legacy/'))
            keepLastGood(name, key, modRevision, `${key}: ${formatIssues(legacy.issues)}`);
        }
        if (![...prev.collections.keys()].some((n) => n.startsWith('legacy/')))
          out.set('legacy', {
            name: 'legacy',
            key,
            modRevision,
            error: `${key}: ${formatIssues(legacy.issues)}`,
          });
        continue;
      }
      for (const item of legacy.items) {
        const name = legacyCollectionName(item.index);
        if (item.entry) out.set(name, { name, key, modRevision, entry: item.entry });
        else keepLastGood(name, key, modRevision, `${key}: ${formatIssues(item.issues ?? [])}`);
      }
      continue;
    }
    const name = collectionNameOf(key);
    if (name === undefined) continue; // not a collect key (or an invalid name): ignored
    const decoded = decodeCollectEntry(value);
    if (decoded.ok) out.set(name, { name, key, modRevision, entry: decoded.value });
    else keepLastGood(name, key, modRevision, `${key}: ${formatIssues(decoded.issues)}`);
  }
  return { revision, collections: out };
}

/** Whether two snapshots would run the same collections with the same errors. */
export function sameCollections(a: ConfigSnapshot, b: ConfigSnapshot): boolean {
  if (a.collections.size !== b.collections.size) return false;
  for (const [name, ca] of a.collections) {
    const cb = b.collections.get(name);
    if (!cb || cb.error !== ca.error || JSON.stringify(cb.entry) !== JSON.stringify(ca.entry)) return false;
  }
  return true;
}
