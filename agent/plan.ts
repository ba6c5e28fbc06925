// Which collections this node runs, decided purely from the config snapshot and the node:
// entries for other nodes are left out; a collection's fingerprint changes exactly when its
// tailers must restart, so hot reload touches only the collections that changed.

import type { ConfigSnapshot } from '../common/config/snapshot.ts';
import type { CollectEntry, LabelSelector } from '../common/schema/collect-entry.ts';

export interface PlannedCollection {
  name: string;
  entry: CollectEntry;
  /** Changes iff the running tailers must be restarted. */
  fingerprint: string;
  /** The current etcd value is broken; `entry` is the last good one. */
  error?: string;
  modRevision: number;
}

export interface Plan {
  run: Map<string, PlannedCollection>;
  /** Collections with no runnable entry at all, and why. */
  rejected: Map<string, string>;
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export function appliesToNode(entry: CollectEntry, node: string, labels: Record<string, string>): boolean {
  if (!entry.nodes) return true;
  if (entry.nodes.names && !entry.nodes.names.includes(node)) return false;
  return selectorMatches(entry.nodes.selector, labels);
}

export function planCollections(
  snapshot: ConfigSnapshot,
  node: string,
  labels: Record<string, string>,
): Plan {
  const run = new Map<string, PlannedCollection>();
  const rejected = new Map<string, string>();
  for (const c of snapshot.collections.values()) {
    if (!c.entry) {
      rejected.set(c.name, c.error ?? 'no valid entry');
      continue;
    }
    if (!appliesToNode(c.entry, node, labels)) continue;
    run.set(c.name, {
      name: c.name,
      entry: c.entry,
      fingerprint: JSON.stringify(c.entry),
      modRevision: c.modRevision,
      ...(c.error ? { error: c.error } : {}),
    });
  }
  return { run, rejected };
}
