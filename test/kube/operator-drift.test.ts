// What etcd holds follows the resources even when someone edits etcd by hand, and a
// restarted operator finds nothing to do.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/wait.ts';
import { k8sEntryKey } from '../../common/keyspace.ts';
import { Harness, podsSpec } from '../operator/harness.ts';

const RESYNC_MS = 1000;

test('an entry deleted or edited by hand is restored within the resync period; an entry without a resource is removed', async (t) => {
  const h = await Harness.start({ server: 'real' });
  t.after(() => h.close());
  await h.operator({ resyncMs: RESYNC_MS });
  await h.create('team-a', 'web', podsSpec('team-a'));
  const original = await waitFor('the entry', () => h.entry('team-a', 'web'));

  await h.etcd.delete().key(k8sEntryKey('team-a', 'web'));
  const t0 = Date.now();
  const restored = await waitFor('the entry to be restored', () => h.entry('team-a', 'web'), {
    timeoutMs: RESYNC_MS + 500,
    intervalMs: 20,
  });
  assert.ok(Date.now() - t0 <= RESYNC_MS + 500);
  assert.deepEqual(restored.value, original.value);

  await h.etcd
    .put(k8sEntryKey('team-a', 'web'))
    .value(JSON.stringify({ ...original.value, topic: 'somewhere-else' }));
  const t1 = Date.now();
  const repaired = await waitFor(
    'the edit to be undone',
    async () => {
      const e = await h.entry('team-a', 'web');
      return e?.value['topic'] === 'app-logs' && e;
    },
    { timeoutMs: RESYNC_MS + 500, intervalMs: 20 },
  );
  assert.ok(Date.now() - t1 <= RESYNC_MS + 500);
  // The status names the revision etcd now holds.
  await waitFor(
    'status to show the new mod revision',
    async () => (await h.get('team-a', 'web'))?.status?.modRevision === repaired.modRevision,
  );

  await h.etcd.put(k8sEntryKey('team-z', 'orphan')).value(JSON.stringify(podsSpec('team-z')));
  await waitFor(
    'the orphan entry to be removed',
    async () => (await h.entry('team-z', 'orphan')) === undefined,
    { timeoutMs: RESYNC_MS + 500, intervalMs: 20 },
  );
  assert.ok(await h.entry('team-a', 'web'), 'the owned entry stays');
});

test('an operator restarted over unchanged resources writes nothing: no etcd writes, no status writes, no events', async (t) => {
  const h = await Harness.start({ server: 'real' });
  t.after(() => h.close());
  const first = await h.operator({ resyncMs: RESYNC_MS, identity: 'op-a' });
  const names = ['a', 'b', 'c'];
  for (const n of names) await h.create('team-a', n, podsSpec('team-a', `topic-${n}`));
  const entries = await Promise.all(names.map((n) => waitFor(`entry ${n}`, () => h.entry('team-a', n))));
  await h.agentReports(
    'node-1',
    Object.fromEntries(
      names.map((n, i) => [
        `k8s/team-a/${n}`,
        { topic: `topic-${n}`, modRevision: entries[i]!.modRevision, files: 1, eventsPerSec: 10, errors: [] },
      ]),
    ),
  );
  for (const n of names)
    await waitFor(
      `${n} Ready`,
      async () => h.condition(await h.get('team-a', n), 'Ready')?.status === 'True',
    );
  await waitFor('the first operator to be idle', () => first.controller.idle);
  await h.stopOperators();

  const statusWrites = await h.backend.statusWrites();
  const events = (await h.backend.eventReasons()).length;
  const patches = await h.backend.objectWrites();
  const second = await h.operator({ resyncMs: RESYNC_MS, identity: 'op-b' });
  // Every resource reconciled at least twice (start, then a resync) and nothing pending.
  await waitFor(
    'the restarted operator to reconcile everything',
    () =>
      second.elector?.leading &&
      Harness.counter(second, 'lcs_operator_reconciles_total') >= names.length * 2 &&
      second.controller.idle,
    { timeoutMs: 5000 },
  );
  assert.equal(Harness.counter(second, 'lcs_operator_etcd_writes_total'), 0);
  assert.equal(Harness.counter(second, 'lcs_operator_status_writes_total'), 0);
  assert.equal(await h.backend.statusWrites(), statusWrites);
  assert.equal(await h.backend.objectWrites(), patches);
  assert.equal((await h.backend.eventReasons()).length, events);
  for (const [i, n] of names.entries())
    assert.equal((await h.entry('team-a', n))?.modRevision, entries[i]!.modRevision);
});
