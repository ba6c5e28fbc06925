import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  collectable,
  nextExpiry,
  parsePodLogPath,
  podView,
  targetsFor,
  type PodObject,
  type PodRecord,
  type PodsSource,
} from './targets.ts';

const ROOT = '/var/log/pods';
const GRACE = 60_000;
const NOW = 1_000_000;

function pod(
  name: string,
  o: {
    ns?: string;
    labels?: Record<string, string>;
    phase?: string;
    containers?: string[];
    init?: string[];
    started?: boolean;
    annotations?: Record<string, string>;
  } = {},
): PodObject {
  const containers = o.containers ?? ['app'];
  const started = o.started ?? o.phase !== 'Pending';
  return {
    metadata: {
      name,
      namespace: o.ns ?? 'shop',
      uid: `uid-${name}`,
      labels: o.labels ?? {},
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      containers: containers.map((n) => ({ name: n })),
      ...(o.init ? { initContainers: o.init.map((n) => ({ name: n })) } : {}),
    },
    status: {
      phase: o.phase ?? 'Running',
      containerStatuses: containers.map(() => ({
        state: started ? { running: {} } : { waiting: {} as object },
      })),
    },
  };
}

const rec = (p: PodObject, extra: Partial<PodRecord> = {}): PodRecord => ({ view: podView(p)!, ...extra });
const resolve = (records: PodRecord[], source: PodsSource, now = NOW) =>
  targetsFor(records, source, { logRoot: ROOT, now, graceMs: GRACE });
const names = (records: PodRecord[], source: PodsSource, now = NOW) =>
  resolve(records, source, now).map((t) => `${t.kubernetes.pod}/${t.kubernetes.container}`);

test('a target is the kubelet glob of one container, with what enriches its events', () => {
  const [t, ...rest] = resolve([rec(pod('web-1', { labels: { app: 'web' } }))], { namespace: 'shop' });
  assert.equal(rest.length, 0);
  assert.deepEqual(t, {
    glob: '/var/log/pods/shop_web-1_uid-web-1/app/*.log',
    kubernetes: { namespace: 'shop', pod: 'web-1', container: 'app', labels: { app: 'web' } },
  });
});

test('only pods of the source namespace', () => {
  const records = [rec(pod('a', { ns: 'shop' })), rec(pod('b', { ns: 'bank' }))];
  assert.deepEqual(names(records, { namespace: 'shop' }), ['a/app']);
  assert.deepEqual(names(records, { namespace: 'other' }), []);
});

test('selector: matchLabels and In, NotIn, Exists, DoesNotExist', () => {
  const records = [
    rec(pod('web', { labels: { app: 'web', tier: 'front' } })),
    rec(pod('api', { labels: { app: 'api', tier: 'back' } })),
    rec(pod('job', { labels: { app: 'job' } })),
  ];
  const sel = (selector: PodsSource['selector']) => names(records, { namespace: 'shop', selector });
  assert.deepEqual(sel({ matchLabels: { app: 'web' } }), ['web/app']);
  assert.deepEqual(sel({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }), [
    'api/app',
    'web/app',
  ]);
  assert.deepEqual(sel({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }), [
    'api/app',
    'job/app',
  ]);
  assert.deepEqual(sel({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }), ['api/app', 'web/app']);
  assert.deepEqual(sel({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }), ['job/app']);
  assert.deepEqual(sel({}), ['api/app', 'job/app', 'web/app'], 'an empty selector matches everything');
});

test('containers: only the listed ones; init containers count; an empty list means all', () => {
  const records = [rec(pod('web', { containers: ['app', 'sidecar'], init: ['migrate'] }))];
  assert.deepEqual(names(records, { namespace: 'shop' }), ['web/app', 'web/migrate', 'web/sidecar']);
  assert.deepEqual(names(records, { namespace: 'shop', containers: ['sidecar', 'nope'] }), ['web/sidecar']);
  assert.deepEqual(names(records, { namespace: 'shop', containers: [] }), [
    'web/app',
    'web/migrate',
    'web/sidecar',
  ]);
});

test('Pending pods count once a container has started; Unknown likewise', () => {
  const waiting = rec(pod('w', { phase: 'Pending', started: false }));
  const initRunning = rec(pod('i', { phase: 'Pending', started: false }));
  initRunning.view.started = true; // e.g. an init container running
  const unknown = rec(pod('u', { phase: 'Unknown', started: true }));
  assert.equal(collectable(waiting, NOW, GRACE), false);
  assert.equal(collectable(initRunning, NOW, GRACE), true);
  assert.equal(collectable(unknown, NOW, GRACE), true);
});

test('podView: started from running, terminated or a previous termination; init statuses too', () => {
  const p = pod('x', { phase: 'Pending', started: false });
  assert.equal(podView(p)!.started, false);
  p.status!.initContainerStatuses = [{ state: { terminated: {} } }];
  assert.equal(podView(p)!.started, true);
  const q = pod('y', { phase: 'Running', started: false });
  q.status!.containerStatuses = [{ state: {}, lastState: { terminated: {} } }];
  assert.equal(podView(q)!.started, true, 'a restarting container has an earlier log file');
  assert.equal(podView({ metadata: { name: 'n' } }), undefined, 'incomplete objects are skipped');
});

test('finished pods are collected for the grace period after they were seen ending', () => {
  const done = rec(pod('job', { phase: 'Succeeded' }), { terminalSince: NOW - 10_000 });
  assert.deepEqual(names([done], { namespace: 'shop' }), ['job/app']);
  assert.deepEqual(names([done], { namespace: 'shop' }, NOW - 10_000 + GRACE), []);
  const failed = rec(pod('crash', { phase: 'Failed' }), { terminalSince: NOW });
  assert.deepEqual(names([failed], { namespace: 'shop' }, NOW + GRACE - 1), ['crash/app']);
});

test('deleted pods stay for the grace period, counted from the earlier of end and deletion', () => {
  const deleted = rec(pod('gone'), { deletedAt: NOW });
  assert.equal(collectable(deleted, NOW + GRACE - 1, GRACE), true);
  assert.equal(collectable(deleted, NOW + GRACE, GRACE), false);
  const both = rec(pod('job', { phase: 'Succeeded' }), { terminalSince: NOW - 50_000, deletedAt: NOW });
  assert.equal(collectable(both, NOW + 10_000, GRACE), false);
  const neverStarted = rec(pod('p', { phase: 'Pending', started: false }), { deletedAt: NOW });
  assert.equal(collectable(neverStarted, NOW, GRACE), false);
});

test('nextExpiry is the earliest end of a grace period still running', () => {
  const records = [
    rec(pod('a')),
    rec(pod('b'), { deletedAt: NOW - 1000 }),
    rec(pod('c', { phase: 'Succeeded' }), { terminalSince: NOW - 5000 }),
    rec(pod('d'), { deletedAt: NOW - GRACE - 1 }),
  ];
  assert.equal(nextExpiry(records, NOW, GRACE), NOW - 5000 + GRACE);
  assert.equal(nextExpiry([rec(pod('a'))], NOW, GRACE), undefined);
});

test('mirror pods: the directory carries the static pod UID from the annotation', () => {
  const p = pod('etcd-node1', {
    ns: 'kube-system',
    annotations: { 'kubernetes.io/config.mirror': 'abc123' },
  });
  const [t] = resolve([rec(p)], { namespace: 'kube-system' });
  assert.equal(t!.glob, '/var/log/pods/kube-system_etcd-node1_abc123/app/*.log');
});

test('targets are sorted, so an unchanged set compares equal', () => {
  const a = [rec(pod('b')), rec(pod('a'))];
  const b = [rec(pod('a')), rec(pod('b'))];
  assert.deepEqual(resolve(a, { namespace: 'shop' }), resolve(b, { namespace: 'shop' }));
  assert.equal(resolve(a, { namespace: 'shop' })[0]!.kubernetes.pod, 'a');
});

test('parsePodLogPath reads namespace, pod, uid and container back from a file path', () => {
  assert.deepEqual(parsePodLogPath(ROOT, '/var/log/pods/shop_web-1_uid-1/app/0.log'), {
    namespace: 'shop',
    pod: 'web-1',
    uid: 'uid-1',
    container: 'app',
  });
  assert.equal(parsePodLogPath(ROOT, '/var/log/other/shop_web_u/app/0.log'), undefined);
  assert.equal(parsePodLogPath(ROOT, '/var/log/pods/shop_web_u/0.log'), undefined);
});
