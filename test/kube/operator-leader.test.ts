// Two operator replicas on the real kube-apiserver, electing through a real Lease with the
// operator ServiceAccount's rights: one writer, and the other takes over when it stops.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/wait.ts';
import { Harness, podsSpec } from '../operator/harness.ts';

test('two replicas: only the leader writes; the other takes over when it stops', async (t) => {
  const h = await Harness.start({ server: 'real' });
  t.after(() => h.close());
  const ops = [await h.operator({ identity: 'op-1' }), await h.operator({ identity: 'op-2' })];
  const leader = await waitFor('one leader', () => {
    const leading = ops.filter((o) => o.elector?.leading);
    return leading.length === 1 && leading[0];
  });
  const follower = ops.find((o) => o !== leader)!;
  for (const n of ['a', 'b']) await h.create('team-a', n, podsSpec('team-a', n));
  for (const n of ['a', 'b'])
    await waitFor(
      `${n} synced`,
      async () => h.condition(await h.get('team-a', n), 'Synced')?.status === 'True',
    );
  await waitFor('follower sees the resources', () => follower.informer.list().length === 2);
  assert.equal(ops.filter((o) => o.elector?.leading).length, 1, 'never two leaders');
  assert.ok(Harness.counter(leader, 'lcs_operator_etcd_writes_total') >= 2);
  assert.equal(Harness.counter(follower, 'lcs_operator_etcd_writes_total'), 0);
  assert.equal(Harness.counter(follower, 'lcs_operator_status_writes_total'), 0);
  assert.equal(Harness.counter(follower, 'lcs_operator_reconciles_total'), 0);

  await leader.shutdown();
  await waitFor('the follower to lead', () => follower.elector?.leading, { timeoutMs: 3000 });
  assert.equal(
    await h.backend.leaseHolder('lcs-system', 'lcs-operator'),
    follower === ops[0] ? 'op-1' : 'op-2',
  );
  await h.create('team-a', 'c', podsSpec('team-a', 'c'));
  await waitFor('the new leader writes c', () => h.entry('team-a', 'c'));
  assert.ok(Harness.counter(follower, 'lcs_operator_etcd_writes_total') >= 1);
});
