// The pods source when the API server misbehaves: dropped watch streams, a 410 Gone after
// compaction while the agent could not watch, and failing lists at start-up.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/wait.ts';
import { ids, NODE, podLists, startHarness } from './harness.ts';

test('a dropped watch stream resumes from its resourceVersion and sees what follows', async () => {
  const h = await startHarness();
  try {
    const seen = h.watch({ namespace: 'shop' });
    await waitFor('the watch to be open', () => h.api.openWatches === 1);
    assert.equal(h.api.dropWatches(), 1);
    await h.addPod({ namespace: 'shop', name: 'after-drop', node: NODE, containers: ['app'] });
    await waitFor('the new pod to appear', () => ids(seen.at(-1)).includes('shop/after-drop/app'));
    await waitFor('a watch to be open again', () => h.api.openWatches === 1);
    const watches = h.api.requests.filter((r) => r.path === '/api/v1/pods' && r.watch);
    assert.ok(watches.length >= 2);
    assert.notEqual(new URLSearchParams(watches.at(-1)!.query).get('resourceVersion'), '');
    assert.equal(podLists(h.api), 1, 'resuming needs no relist');
  } finally {
    await h.close();
  }
});

test('changes missed while the watch was down and the history compacted: 410, relist, converge', async () => {
  const h = await startHarness({ graceMs: 0 });
  try {
    const seen = h.watch({ namespace: 'shop', selector: { matchLabels: { app: 'web' } } });
    assert.deepEqual(ids(seen.at(-1)), ['shop/web-1/app', 'shop/web-1/proxy']);
    // Every watch fails until cleared, so nothing below reaches the resolver as an event.
    await waitFor('the watch to be open', () => h.api.openWatches === 1);
    h.api.fail({ method: 'GET', pathIncludes: 'watch=true', status: 500, count: 1_000_000 });
    assert.equal(h.api.dropWatches(), 1);
    await waitFor('a failed watch', () => h.api.requests.some((r) => r.watch && r.status === 500));
    await h.addPod({
      namespace: 'shop',
      name: 'web-9',
      node: NODE,
      labels: { app: 'web' },
      containers: ['app'],
    });
    h.api.store.delete('pods', 'shop', 'web-1');
    h.api.store.patch('pods', 'shop', 'api-1', 'merge', { metadata: { labels: { app: 'web' } } }, 'main');
    h.api.store.compact();
    assert.deepEqual(ids(seen.at(-1)), ['shop/web-1/app', 'shop/web-1/proxy'], 'nothing seen yet');
    h.api.clearFaults();
    await waitFor('the targets to converge', () =>
      ids(seen.at(-1)).join() === ['shop/api-1/app', 'shop/web-9/app'].join() ? true : undefined,
    );
    assert.ok(
      h.api.requests.some((r) => r.watch && r.expired),
      'the resumed watch got 410 Gone',
    );
    assert.equal(podLists(h.api), 2, 'one relist after the 410');
    await waitFor('a watch to be open again', () => h.api.openWatches === 1);
    assert.equal(h.resolver.status().lastError, undefined);
    assert.equal(h.resolver.status().synced, true);
  } finally {
    await h.close();
  }
});

test('start() waits through failing lists and resolves after the first good one', async () => {
  const h = await startHarness({}, false);
  try {
    h.api.fail({ method: 'GET', pathIncludes: '/api/v1/pods?fieldSelector', status: 503, count: 2 });
    const early = h.watch({ namespace: 'shop' });
    assert.deepEqual(early, [[]], 'before the first list, a source has no targets');
    await h.resolver.start();
    assert.equal(h.api.requests.filter((r) => r.path === '/api/v1/pods' && r.status === 503).length, 2);
    assert.deepEqual(ids(early.at(-1)), ['shop/api-1/app', 'shop/web-1/app', 'shop/web-1/proxy']);
    assert.deepEqual(h.resolver.status(), { synced: true, pods: 3, lists: 1 });
  } finally {
    await h.close();
  }
});

test('a failing API keeps the last known pods in effect and reports the error', async () => {
  const h = await startHarness();
  try {
    const seen = h.watch({ namespace: 'shop' });
    await waitFor('the watch to be open', () => h.api.openWatches === 1);
    h.api.fail({ method: 'GET', pathIncludes: 'watch=true', status: 500, count: 1_000_000 });
    assert.equal(h.api.dropWatches(), 1);
    await waitFor('the error to be reported', () => h.resolver.status().lastError);
    assert.match(h.resolver.status().lastError!, /watching the pods of node node-a failed \(HTTP 500\)/);
    assert.equal(seen.length, 1, 'targets unchanged while the API is away');
    assert.equal(ids(seen[0]).length, 3);
    h.api.clearFaults();
    await waitFor('a watch to be open again', () => h.api.openWatches === 1);
    await waitFor('the error to clear', () => h.resolver.status().lastError === undefined);
    assert.equal(podLists(h.api), 1, 'it resumed from its resourceVersion');
  } finally {
    await h.close();
  }
});

test('streams ended cleanly again and again re-watch within retryMaxMs, not after up to 30 s', async () => {
  const h = await startHarness({ retryMaxMs: 200 });
  try {
    const seen = h.watch({ namespace: 'shop' });
    // client-node waits 0, 1, 2, 4, 8 s before re-watching after quiet, clean stream ends.
    for (let i = 0; i < 5; i++) {
      await waitFor(`watch ${i + 1} to be open`, () => h.api.openWatches === 1, { timeoutMs: 3000 });
      assert.equal(h.api.endWatches(), 1);
    }
    await h.addPod({ namespace: 'shop', name: 'after-drops', node: NODE, containers: ['app'] });
    await waitFor('the new pod to appear', () => ids(seen.at(-1)).includes('shop/after-drops/app'), {
      timeoutMs: 3000,
    });
    assert.equal(podLists(h.api), 1);
  } finally {
    await h.close();
  }
});
