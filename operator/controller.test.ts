import assert from 'node:assert/strict';
import test from 'node:test';
import { LcsError } from '../common/errors.ts';
import { k8sEntryKey } from '../common/keyspace.ts';
import { Registry } from '../common/observe/metrics.ts';
import { silentLogger } from '../common/observe/logger.ts';
import { FakeClock } from '../common/time/fake-clock.ts';
import { Controller, type ControllerView } from './controller.ts';
import type { EntryWriter } from './etcd-entries.ts';
import { kubeError } from './errors.ts';
import type { KubeClient } from './kube-client.ts';
import type { EtcdWrite, ObservedEntry } from './reconcile.ts';
import { FINALIZER, type LogCollection } from './resource.ts';

const KEY = 'team-a/web';
const ETCD_KEY = k8sEntryKey('team-a', 'web');

/** Kubernetes, etcd and the caches in memory; the caches follow every write at once. */
function world(opts: { failWrites?: number; error?: () => Error; cacheLagsDeletion?: boolean } = {}) {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  let rv = 1;
  const resources = new Map<string, LogCollection>([
    [
      KEY,
      {
        metadata: { name: 'web', namespace: 'team-a', generation: 1, resourceVersion: String(rv) },
        spec: {
          topic: 'web',
          source: { pods: { namespace: 'team-a', selector: { matchLabels: { app: 'web' } } } },
        },
      },
    ],
  ]);
  const entries = new Map<string, ObservedEntry>();
  let revision = 10;
  const writes: { at: number; write: EtcdWrite }[] = [];
  const attempts: number[] = [];
  let failWrites = opts.failWrites ?? 0;
  let finalizerCalls = 0;
  let deleted = false;
  const store = (r: LogCollection): LogCollection => {
    const next = { ...r, metadata: { ...r.metadata, resourceVersion: String(++rv) } };
    resources.set(KEY, next);
    return next;
  };
  const kube: KubeClient = {
    path: '/apis/lcs.dev/v1/logcollections',
    list: () => Promise.resolve({ items: [...resources.values()] }),
    setFinalizers: (r, finalizers) => {
      finalizerCalls++;
      if (opts.cacheLagsDeletion && r.metadata.deletionTimestamp && finalizers.length === 0) {
        // The server deletes the object and answers with its last state; the informer's
        // DELETED event has not arrived yet, so the cache still shows the finalizer.
        if (deleted) return Promise.reject(kubeError('updating the finalizers of team-a/web', { code: 404 }));
        deleted = true;
        return Promise.resolve({
          ...r,
          metadata: { ...r.metadata, finalizers, resourceVersion: String(++rv) },
        });
      }
      return Promise.resolve(store({ ...r, metadata: { ...r.metadata, finalizers } }));
    },
    writeStatus: (r, status) => Promise.resolve(store({ ...r, status })),
    emit: () => Promise.resolve(),
  };
  const writer: EntryWriter = {
    apply(w) {
      attempts.push(clock.now());
      if (failWrites-- > 0)
        return Promise.reject(
          opts.error?.() ?? new LcsError('LCS_OPERATOR_ETCD', 'etcd down', { retriable: true }),
        );
      writes.push({ at: clock.now(), write: w });
      revision++;
      if (w.op === 'put') entries.set(w.key, { value: w.value, modRevision: revision });
      else entries.delete(w.key);
      return Promise.resolve(revision);
    },
  };
  let ready = true;
  const view: ControllerView = {
    resource: (k) => resources.get(k),
    entry: (k) => entries.get(k),
    etcdRevision: () => revision,
    agents: () => [],
    ready: () => ready,
  };
  const registry = new Registry();
  const controller = new Controller({
    view,
    kube,
    writer,
    policy: { trustedNamespaces: [] },
    clock,
    logger: silentLogger,
    metrics: {
      reconciles: registry.counter('reconciles', 'r'),
      etcdWrites: registry.counter('writes', 'w'),
      statusWrites: registry.counter('status', 's'),
      errors: registry.counter('errors', 'e'),
    },
    retryMinMs: 100,
    retryMaxMs: 1000,
    random: () => 0.999999,
  });
  /** Lets the controller work the queue (it awaits only our in-memory fakes). */
  const drain = () => clock.advance(0);
  return {
    clock,
    controller,
    resources,
    entries,
    writes,
    attempts,
    drain,
    setReady: (r: boolean) => (ready = r),
    finalizerCalls: () => finalizerCalls,
    markDeleted: () => {
      const r = resources.get(KEY)!;
      resources.set(KEY, {
        ...r,
        metadata: { ...r.metadata, deletionTimestamp: '2026-01-01T00:00:01Z', resourceVersion: String(++rv) },
      });
    },
  };
}

test('a new resource: finalizer first, then the entry, then the status, and the controller is idle', async () => {
  const w = world();
  w.controller.enqueue(KEY);
  await w.drain();
  const r = w.resources.get(KEY)!;
  assert.deepEqual(r.metadata.finalizers, [FINALIZER]);
  assert.deepEqual(
    w.writes.map((x) => [x.write.op, x.write.key]),
    [['put', ETCD_KEY]],
  );
  assert.equal(JSON.parse(w.entries.get(ETCD_KEY)!.value).topic, 'web');
  assert.ok(r.status?.conditions?.some((c) => c.type === 'Synced' && c.status === 'True'));
  assert.equal(w.controller.idle, true);
  assert.equal(w.clock.pending, 0, 'no retry armed');
});

test('a failed write is retried on the clock with a doubling, capped delay until it works', async () => {
  const w = world({ failWrites: 5 });
  const t0 = w.clock.now();
  w.controller.enqueue(KEY);
  await w.drain();
  assert.equal(w.attempts.length, 1);
  assert.equal(w.controller.idle, false, 'a retry is pending');
  while (!w.writes.length) await w.clock.advance(w.clock.nextAt! - w.clock.now());
  const gaps = w.attempts.map((t) => t - t0).map((t, i, a) => (i ? t - a[i - 1]! : t));
  assert.deepEqual(
    gaps,
    [0, 100, 199, 399, 799, 999],
    'jittered ceilings 100·2^n, at least 100, at most 1 s',
  );
  await w.drain();
  assert.equal(w.controller.idle, true);
});

test('a permanent error is retried too, ten times slower', async () => {
  const w = world({
    failWrites: 1,
    error: () => new LcsError('LCS_OPERATOR_X', 'refused', { retriable: false }),
  });
  w.controller.enqueue(KEY);
  await w.drain();
  assert.equal(w.clock.nextAt! - w.clock.now(), 1000, '100 ms × 10');
  await w.clock.advance(1000);
  assert.equal(w.writes.length, 1);
});

test('nothing is worked while not ready (not the leader); kick() starts once it is', async () => {
  const w = world();
  w.setReady(false);
  w.controller.enqueue(KEY);
  await w.drain();
  assert.equal(w.attempts.length, 0);
  w.setReady(true);
  w.controller.kick();
  await w.drain();
  assert.equal(w.writes.length, 1);
});

test('stop clears the pending retries: nothing fires afterwards', async () => {
  const w = world({ failWrites: 100 });
  w.controller.enqueue(KEY);
  await w.drain();
  assert.equal(w.clock.pending, 1);
  await w.controller.stop();
  assert.equal(w.clock.pending, 0);
  await w.clock.advance(60_000);
  assert.equal(w.attempts.length, 1);
});

test('a trigger between releasing the finalizer and the DELETED event does not release it again', async () => {
  // Seen on the real API server (test/kube/e2e): the second release got a 404 and armed a retry.
  const w = world({ cacheLagsDeletion: true });
  w.controller.enqueue(KEY);
  await w.drain();
  assert.equal(w.finalizerCalls(), 1, 'added');
  w.markDeleted();
  w.controller.enqueue(KEY);
  await w.drain();
  assert.equal(w.entries.has(ETCD_KEY), false, 'entry removed');
  assert.equal(w.finalizerCalls(), 2, 'released');
  w.controller.enqueue(KEY); // say, an agent's status changed
  await w.drain();
  assert.equal(w.finalizerCalls(), 2, 'not released twice');
  assert.equal(w.clock.pending, 0, 'no retry armed');
  assert.equal(w.controller.idle, true);
});
