// Follows the collect entries in etcd (the v1 prefix and the legacy key) and hands every
// change to `onSnapshot` as a whole decoded snapshot. Consumers diff snapshots themselves
// (level-based), so a missed or repeated event can never leave them half-applied.

import type { Etcd3 } from 'etcd3';
import { COLLECT_PREFIX, LEGACY_KEY } from '../keyspace.ts';
import type { Logger } from '../observe/logger.ts';
import { EtcdMirror } from '../etcd/mirror.ts';
import { decodeSnapshot, emptySnapshot, sameCollections, type ConfigSnapshot } from './snapshot.ts';

export interface CollectWatcherOptions {
  etcd: Etcd3;
  logger: Logger;
  onSnapshot: (snapshot: ConfigSnapshot) => void;
  onConnection?: (connected: boolean, error?: string) => void;
}

export class CollectWatcher {
  private snapshot: ConfigSnapshot = emptySnapshot;
  private readonly mirror: EtcdMirror;

  constructor(opts: CollectWatcherOptions) {
    this.mirror = new EtcdMirror({
      etcd: opts.etcd,
      logger: opts.logger.child({ component: 'collect-watcher' }),
      ranges: [{ prefix: COLLECT_PREFIX }, { key: LEGACY_KEY }],
      onConnection: opts.onConnection,
      onChange: (state, revision) => {
        const next = decodeSnapshot(this.snapshot, state, revision);
        const changed = !sameCollections(this.snapshot, next);
        this.snapshot = next;
        for (const c of next.collections.values()) {
          if (c.error)
            opts.logger.warn('collect entry rejected', {
              key: c.key,
              collection: c.name,
              error: c.error,
              runningLastGood: !!c.entry,
            });
        }
        if (changed) opts.onSnapshot(next);
      },
    });
  }

  get current(): ConfigSnapshot {
    return this.snapshot;
  }

  start(): Promise<void> {
    return this.mirror.start();
  }

  stop(): Promise<void> {
    return this.mirror.stop();
  }
}
