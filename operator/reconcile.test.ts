import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, type ReconcileInput } from './reconcile.ts';
import { FINALIZER, type LogCollection } from './resource.ts';
import { roundRate, type AgentRecord } from './agents.ts';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const KEY = '/lcs/v1/collect/k8s/team-a/web';
const spec = {
  topic: 'web',
  source: { pods: { namespace: 'team-a', selector: { matchLabels: { app: 'web' } } } },
};

function lc(
  over: Partial<LogCollection['metadata']> = {},
  s: unknown = spec,
  status?: LogCollection['status'],
): LogCollection {
  return {
    metadata: { name: 'web', namespace: 'team-a', generation: 1, finalizers: [FINALIZER], ...over },
    spec: s,
    ...(status ? { status } : {}),
  };
}

function input(over: Partial<ReconcileInput> = {}): ReconcileInput {
  return {
    namespace: 'team-a',
    name: 'web',
    resource: lc(),
    entry: undefined,
    agents: [],
    policy: { trustedNamespaces: ['lcs-system'] },
    now: NOW,
    ...over,
  };
}

/** Runs the decision and applies it, as the controller would, until nothing is left to do. */
function settle(inp: ReconcileInput): ReconcileInput {
  let cur = inp;
  for (let i = 0; i < 5; i++) {
    const r = reconcile(cur);
    let entry = cur.entry;
    for (const w of r.etcd)
      entry = w.op === 'put' ? { value: w.value, modRevision: (entry?.modRevision ?? 10) + 1 } : undefined;
    const res = cur.resource && {
      ...cur.resource,
      metadata: { ...cur.resource.metadata },
      ...(r.status ? { status: r.status } : {}),
    };
    if (res && r.finalizer === 'add') res.metadata.finalizers = [FINALIZER];
    cur = { ...cur, entry, resource: res };
    if (!r.etcd.length && !r.status && !r.finalizer) return cur;
  }
  throw new Error('did not settle');
}

test('a new resource gets the finalizer and a create-only put', () => {
  const r = reconcile(input({ resource: lc({ finalizers: [] }) }));
  assert.equal(r.finalizer, 'add');
  assert.equal(r.etcd.length, 1);
  assert.deepEqual(
    { ...r.etcd[0], value: undefined },
    { op: 'put', key: KEY, value: undefined, expectModRevision: 0 },
  );
  assert.equal(JSON.parse((r.etcd[0] as { value: string }).value).topic, 'web');
});

test('once settled, the same observation yields nothing: no writes, no status, no events', () => {
  const settled = settle(input());
  const r = reconcile({ ...settled, now: NOW + 60_000 });
  assert.deepEqual(r, { etcd: [], events: [] });
  const conds = settled.resource!.status!.conditions!;
  assert.deepEqual(
    conds.map((c) => `${c.type}=${c.status}/${c.reason}`),
    ['Accepted=True/Valid', 'Synced=True/Synced', 'Ready=False/NoAgents'],
  );
  assert.equal(settled.resource!.status!.key, KEY);
});

test('an entry edited by hand is overwritten with compare-and-swap on its mod revision', () => {
  const r = reconcile(
    input({ entry: { value: JSON.stringify({ ...spec, topic: 'hacked' }), modRevision: 42 } }),
  );
  assert.equal(r.etcd[0]?.op, 'put');
  assert.equal(r.etcd[0]?.expectModRevision, 42);
  const same = reconcile(
    input({ entry: { value: JSON.stringify({ topic: 'web', source: spec.source }), modRevision: 42 } }),
  );
  assert.deepEqual(same.etcd, [], 'an equivalent value (key order) is not drift');
});

test('deletion: the entry goes first, then the finalizer', () => {
  const deleting = lc({ deletionTimestamp: '2025-01-01T00:00:00Z' });
  const first = reconcile(input({ resource: deleting, entry: { value: '{}', modRevision: 7 } }));
  assert.deepEqual(first.etcd, [{ op: 'delete', key: KEY, expectModRevision: 7 }]);
  assert.equal(first.finalizer, undefined);
  assert.equal(reconcile(input({ resource: deleting })).finalizer, 'remove');
  assert.deepEqual(reconcile(input({ resource: lc({ deletionTimestamp: 'x', finalizers: [] }) })), {
    etcd: [],
    events: [],
  });
});

test('an entry without a resource is garbage', () => {
  assert.deepEqual(reconcile(input({ resource: undefined, entry: { value: '{}', modRevision: 3 } })).etcd, [
    { op: 'delete', key: KEY, expectModRevision: 3 },
  ]);
  assert.deepEqual(reconcile(input({ resource: undefined })).etcd, []);
});

test('pods of another namespace are rejected with a message that says what to change', () => {
  const r = reconcile(input({ resource: lc({}, { topic: 'x', source: { pods: { namespace: 'team-b' } } }) }));
  assert.deepEqual(r.etcd, []);
  const acc = r.status!.conditions.find((c) => c.type === 'Accepted')!;
  assert.equal(acc.status, 'False');
  assert.equal(acc.reason, 'PodsNamespaceNotAllowed');
  assert.match(acc.message, /set spec\.source\.pods\.namespace to "team-a"/);
  assert.deepEqual(
    r.events.map((e) => `${e.type}/${e.reason}`),
    ['Warning/Rejected'],
  );
});

test('files are allowed only in trusted namespaces; a rejected spec removes an older entry', () => {
  const files = { topic: 'x', source: { files: { paths: ['/var/log/syslog'] } } };
  const r = reconcile(input({ resource: lc({}, files), entry: { value: '{}', modRevision: 9 } }));
  assert.equal(r.status!.conditions[0]!.reason, 'FilesNotAllowed');
  assert.deepEqual(r.etcd, [{ op: 'delete', key: KEY, expectModRevision: 9 }]);
  const trusted = reconcile(
    input({ namespace: 'lcs-system', resource: lc({ namespace: 'lcs-system' }, files) }),
  );
  assert.equal(trusted.etcd[0]?.op, 'put');
});

test('Ready follows the agents: running the current revision, errors, rolling', () => {
  const agent = (node: string, modRevision: number, errors: string[] = []): AgentRecord => ({
    node,
    collections: { 'k8s/team-a/web': { topic: 'web', modRevision, files: 1, eventsPerSec: 12.34, errors } },
    rejected: {},
  });
  const base = settle(input());
  const rev = base.entry!.modRevision;
  const ready = (agents: AgentRecord[]) => {
    const s = settle({ ...base, agents }).resource!.status!;
    const c = s.conditions!.find((x) => x.type === 'Ready')!;
    return `${c.status}/${c.reason} agents=${s.agents} errors=${s.agentsWithErrors} eps=${s.eventsPerSec}`;
  };
  assert.equal(ready([agent('n1', rev), agent('n2', rev)]), 'True/Running agents=2 errors=0 eps=25');
  assert.equal(ready([agent('n1', rev), agent('n2', rev - 1)]), 'False/Rolling agents=2 errors=0 eps=25');
  assert.equal(
    ready([agent('n1', rev, ['/var/log/x: EACCES'])]),
    'False/AgentErrors agents=1 errors=1 eps=12',
  );
});

test('roundRate keeps two significant digits', () => {
  assert.deepEqual([0, 0.534, 12.34, 123.4, 98765].map(roundRate), [0, 0.53, 12, 120, 99000]);
});
