// An API server that drops streams, forgets history (410) and fails requests; the operator
// converges anyway. These faults cannot be produced on cue by the real kube-apiserver, so
// they run against the double (docs/kube-api-double.md); the rest is in test/kube/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/wait.ts';
import { Harness, podsSpec } from './harness.ts';

test('watch streams dropped and a 410 on reconnect: the operator relists and converges', async (t) => {
  const h = await Harness.start();
  t.after(() => h.close());
  const op = await h.operator();
  await h.create('team-a', 'keep', podsSpec('team-a', 'keep'));
  await h.create('team-a', 'drop', podsSpec('team-a', 'drop'));
  await waitFor(
    'entries',
    async () => (await h.entry('team-a', 'keep')) && (await h.entry('team-a', 'drop')),
  );
  const lists = op.informer.lists;

  // Watches fail until we say so, so changes pile up unseen; then the history is forgotten.
  h.api.fail({ pathIncludes: 'watch=true', status: 500, count: 1_000_000 });
  const dropped = h.api.dropWatches();
  assert.ok(dropped >= 1);
  await waitFor('a failed re-watch', () => h.api.requests.some((r) => r.watch && r.status === 500));
  await h.patch('team-a', 'keep', { spec: { topic: 'keep-v2' } });
  await h.remove('team-a', 'drop');
  await h.create('team-a', 'new', podsSpec('team-a', 'new'));
  h.api.store.compact();
  h.api.clearFaults();

  await waitFor('keep updated', async () => (await h.entry('team-a', 'keep'))?.value['topic'] === 'keep-v2', {
    timeoutMs: 15000,
  });
  await waitFor(
    'drop removed and its finalizer released',
    async () =>
      (await h.entry('team-a', 'drop')) === undefined && (await h.get('team-a', 'drop')) === undefined,
    { timeoutMs: 15000 },
  );
  await waitFor('new written', () => h.entry('team-a', 'new'), { timeoutMs: 15000 });
  assert.ok(
    h.api.requests.some((r) => r.expired),
    'a re-watch got 410 Expired',
  );
  assert.ok(op.informer.lists > lists, 'the informer relisted');
  const gone = h.api.requests.filter((r) => r.watch && r.status === 200);
  assert.ok(gone.length >= 2, 'watched again after the relist');
});

test('list failures at start-up: the informer retries until it lists', async (t) => {
  const h = await Harness.start();
  t.after(() => h.close());
  await h.create('team-a', 'early', podsSpec('team-a', 'early'));
  h.api.fail({ method: 'GET', pathIncludes: 'logcollections', status: 503, count: 3 });
  const op = await h.operator();
  await waitFor('ready', () => op.ready().ok, { timeoutMs: 5000 });
  await waitFor('the entry', () => h.entry('team-a', 'early'));
  assert.ok(h.api.requests.filter((r) => r.status === 503).length === 3);
});
