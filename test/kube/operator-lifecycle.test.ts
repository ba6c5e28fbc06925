// A LogCollection's life through the operator, against the real kube-apiserver (the operator
// with its ServiceAccount's token) and the real etcd: create, agent reports, update, no-op
// updates, delete with the finalizer, namespace isolation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/wait.ts';
import { FINALIZER } from '../../operator/resource.ts';
import { Harness, podsSpec } from '../operator/harness.ts';
import { assertSharedMetrics } from '../support/metrics-contract.ts';

test('create → entry in etcd within 1 s, Ready once an agent reports it; update and delete follow', async (t) => {
  const h = await Harness.start({ server: 'real' });
  t.after(() => h.close());
  const op = await h.operator();
  assertSharedMetrics('operator', op.registry.render());

  const t0 = Date.now();
  await h.create('team-a', 'web', podsSpec('team-a'));
  const first = await waitFor('the entry in etcd', () => h.entry('team-a', 'web'), {
    timeoutMs: 1000,
    intervalMs: 20,
  });
  assert.ok(Date.now() - t0 <= 1000);
  assert.equal(first.value['topic'], 'app-logs');

  const synced = await waitFor('Synced=True', async () => {
    const r = await h.get('team-a', 'web');
    return h.condition(r, 'Synced')?.status === 'True' && r;
  });
  assert.deepEqual(synced.metadata.finalizers, [FINALIZER]);
  assert.equal(synced.status?.key, '/lcs/v1/collect/k8s/team-a/web');
  assert.equal(synced.status?.observedGeneration, 1);
  assert.equal(h.condition(synced, 'Accepted')?.status, 'True');
  assert.equal(h.condition(synced, 'Ready')?.reason, 'NoAgents');

  await h.agentReports('node-1', {
    'k8s/team-a/web': {
      topic: 'app-logs',
      modRevision: first.modRevision,
      files: 2,
      eventsPerSec: 41.7,
      errors: [],
    },
  });
  const ready = await waitFor('Ready=True', async () => {
    const r = await h.get('team-a', 'web');
    return h.condition(r, 'Ready')?.status === 'True' && r;
  });
  assert.equal(ready.status?.agents, 1);
  assert.equal(ready.status?.eventsPerSec, 42);
  assert.equal(ready.status?.agentsWithErrors, 0);

  // A label change is not a spec change: no entry write, no status write.
  await waitFor('the operator to be idle', () => op.controller.idle);
  const writesBefore = await h.backend.statusWrites('web');
  const etcdWritesBefore = Harness.counter(op, 'lcs_operator_etcd_writes_total');
  const reconcilesBefore = Harness.counter(op, 'lcs_operator_reconciles_total');
  await h.patch('team-a', 'web', { metadata: { labels: { owner: 'team-a' } } });
  await waitFor(
    'a reconcile of the label change and a resync',
    () => Harness.counter(op, 'lcs_operator_reconciles_total') >= reconcilesBefore + 2 && op.controller.idle,
  );
  assert.equal(await h.backend.statusWrites('web'), writesBefore, 'no status write when nothing changed');
  assert.equal(Harness.counter(op, 'lcs_operator_etcd_writes_total'), etcdWritesBefore);
  assert.equal((await h.entry('team-a', 'web'))?.modRevision, first.modRevision);

  // A spec change: the entry follows, observedGeneration follows, Ready waits for the agent.
  await h.patch('team-a', 'web', { spec: { topic: 'web-logs' } });
  const updated = await waitFor('the entry to follow the spec', async () => {
    const e = await h.entry('team-a', 'web');
    return e?.value['topic'] === 'web-logs' && e;
  });
  const gen2 = await waitFor('observedGeneration 2', async () => {
    const r = await h.get('team-a', 'web');
    return r?.status?.observedGeneration === 2 && r?.status.modRevision === updated.modRevision && r;
  });
  assert.equal(gen2.metadata.generation, 2);
  assert.deepEqual(
    gen2.status?.conditions?.map((c) => c.observedGeneration),
    [2, 2, 2],
  );
  assert.equal(h.condition(gen2, 'Ready')?.reason, 'Rolling');
  await h.agentReports('node-1', {
    'k8s/team-a/web': {
      topic: 'web-logs',
      modRevision: updated.modRevision,
      files: 2,
      eventsPerSec: 3,
      errors: ['/var/log/pods/x: EACCES'],
    },
  });
  const failing = await waitFor('Ready=False AgentErrors', async () => {
    const r = await h.get('team-a', 'web');
    return h.condition(r, 'Ready')?.reason === 'AgentErrors' && r;
  });
  assert.equal(failing.status?.agentsWithErrors, 1);
  assert.match(failing.status?.lastError ?? '', /node-1: .*EACCES/);

  // Events on the resource: accepted and synced (twice: two generations).
  const events = await h.backend.eventReasons('team-a');
  assert.deepEqual(events.filter((r) => r === 'Accepted').length, 2);
  assert.ok(events.filter((r) => r === 'Synced').length >= 2);

  // Delete: the entry goes, then the finalizer, then the object.
  await h.remove('team-a', 'web');
  await waitFor('the resource to be gone', async () => (await h.get('team-a', 'web')) === undefined);
  assert.equal(await h.entry('team-a', 'web'), undefined);
  assert.ok((await h.backend.mainPatches('web')) >= 2, 'finalizer added, then released');
});

test("a LogCollection asking for another namespace's pods, or host files from an untrusted namespace, is rejected and etcd stays untouched", async (t) => {
  const h = await Harness.start({ server: 'real' });
  t.after(() => h.close());
  const op = await h.operator();

  await h.create('team-a', 'steal', podsSpec('team-b'));
  await h.create('team-a', 'host', { topic: 'host', source: { files: { paths: ['/var/log/syslog'] } } });
  const steal = await waitFor('Accepted=False on steal', async () => {
    const r = await h.get('team-a', 'steal');
    return h.condition(r, 'Accepted')?.status === 'False' && r;
  });
  const acc = h.condition(steal, 'Accepted')!;
  assert.equal(acc.reason, 'PodsNamespaceNotAllowed');
  assert.match(acc.message, /set spec\.source\.pods\.namespace to "team-a"/);
  assert.equal(h.condition(steal, 'Ready')?.status, 'False');
  const host = await waitFor('Accepted=False on host', async () => {
    const r = await h.get('team-a', 'host');
    return h.condition(r, 'Accepted')?.status === 'False' && r;
  });
  assert.equal(h.condition(host, 'Accepted')?.reason, 'FilesNotAllowed');
  assert.match(h.condition(host, 'Accepted')!.message, /trusted namespaces \("lcs-system"\)/);

  assert.equal(await h.entry('team-a', 'steal'), undefined);
  assert.equal(await h.entry('team-a', 'host'), undefined);
  assert.deepEqual(await h.etcd.getAll().prefix('/lcs/v1/collect/k8s/').keys(), []);
  assert.equal(
    Harness.counter(op, 'lcs_operator_etcd_writes_total'),
    0,
    'the operator wrote nothing to etcd',
  );
  const warnings = (await h.backend.eventReasons('team-a')).filter((r) => r === 'Rejected');
  assert.equal(warnings.length, 2);

  // The same files source from the trusted namespace is accepted.
  await h.create('lcs-system', 'host', { topic: 'host', source: { files: { paths: ['/var/log/syslog'] } } });
  await waitFor('the trusted entry', () => h.entry('lcs-system', 'host'));
});
