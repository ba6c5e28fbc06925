// The pods source against the API-server double with the real client-node: the right kubelet
// log files for a selector, and the targets following pods as they come, change and go.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/wait.ts';
import { expand, ids, NODE, podLists, startHarness } from './harness.ts';

test('resolves the log files of this node’s pods in the namespace, by selector and containers', async () => {
  const h = await startHarness();
  try {
    const web = h.watch({
      namespace: 'shop',
      selector: { matchLabels: { app: 'web' } },
      containers: ['app'],
    });
    const shop = h.watch({
      namespace: 'shop',
      selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] },
    });
    const notWeb = h.watch({
      namespace: 'shop',
      selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] },
    });
    // web-2 runs on node-b; bank/web-1 is in another namespace; proxy is not listed.
    assert.deepEqual(ids(web[0]), ['shop/web-1/app']);
    assert.deepEqual(ids(shop[0]), ['shop/api-1/app', 'shop/web-1/app', 'shop/web-1/proxy']);
    assert.deepEqual(ids(notWeb[0]), ['shop/api-1/app']);
    assert.deepEqual(web[0]![0]!.kubernetes.labels, { app: 'web', tier: 'front' });

    // The globs name the kubelet's live files, not the rotated ones, and nothing else.
    const files = await expand(h.root, web[0]!);
    assert.equal(files.length, 2);
    assert.match(files[0]!, /^shop_web-1_[0-9a-f-]{36}\/app\/0\.log$/);
    assert.match(files[1]!, /^shop_web-1_[0-9a-f-]{36}\/app\/1\.log$/);
    assert.equal((await expand(h.root, shop[0]!)).length, 6);

    // One list and one watch for the node, whatever the number of sources.
    const pods = h.api.requests.filter((r) => r.path === '/api/v1/pods');
    assert.equal(pods.filter((r) => !r.watch).length, 1);
    assert.equal(pods.filter((r) => r.watch).length, 1);
    for (const r of pods)
      assert.equal(new URLSearchParams(r.query).get('fieldSelector'), `spec.nodeName=${NODE}`);
    assert.deepEqual(h.resolver.status(), { synced: true, pods: 3, lists: 1 });
  } finally {
    await h.close();
  }
});

test('a pod added later appears through the watch, without a relist', async () => {
  const h = await startHarness();
  try {
    const seen = h.watch({ namespace: 'shop', selector: { matchLabels: { app: 'web' } } });
    await h.addPod({
      namespace: 'shop',
      name: 'web-3',
      node: NODE,
      labels: { app: 'web' },
      containers: ['app'],
    });
    await h.addPod({
      namespace: 'shop',
      name: 'web-4',
      node: 'node-b',
      labels: { app: 'web' },
      containers: ['app'],
    });
    await waitFor('web-3 to appear', () => ids(seen.at(-1)).includes('shop/web-3/app'));
    assert.deepEqual(ids(seen.at(-1)), ['shop/web-1/app', 'shop/web-1/proxy', 'shop/web-3/app']);
    assert.equal((await expand(h.root, seen.at(-1)!)).filter((f) => f.startsWith('shop_web-3_')).length, 2);
    assert.equal(podLists(h.api), 1);
  } finally {
    await h.close();
  }
});

test('a deleted pod disappears once its grace period is over, not before', async () => {
  const grace = 1500;
  const h = await startHarness({ graceMs: grace });
  try {
    const seen = h.watch({ namespace: 'shop' });
    const before = seen.length;
    const deleted = Date.now();
    h.api.store.delete('pods', 'shop', 'api-1');
    await waitFor('api-1 to disappear', () => !ids(seen.at(-1)).includes('shop/api-1/app'), {
      timeoutMs: 10_000,
    });
    assert.ok(Date.now() - deleted >= grace, 'its last lines had the grace period to be read');
    assert.equal(seen.length, before + 1, 'one change: the deletion itself changed no target');
    assert.deepEqual(ids(seen.at(-1)), ['shop/web-1/app', 'shop/web-1/proxy']);
    assert.equal(h.resolver.status().pods, 2, 'the deleted pod is forgotten');
  } finally {
    await h.close();
  }
});

test('a finished pod stays a target for the grace period, then is left out', async () => {
  const h = await startHarness({ graceMs: 800 });
  try {
    const seen = h.watch({ namespace: 'bank' });
    assert.deepEqual(ids(seen[0]), ['bank/web-1/app']);
    const finished = Date.now();
    h.api.store.patch('pods', 'bank', 'web-1', 'merge', { status: { phase: 'Succeeded' } }, 'status');
    await waitFor('bank/web-1 to be left out', () => seen.at(-1)?.length === 0);
    assert.ok(Date.now() - finished >= 800);
    assert.equal(h.resolver.status().pods, 3, 'the finished pod object is still known');
  } finally {
    await h.close();
  }
});

test('a label change moves a pod into and out of a selector', async () => {
  const h = await startHarness();
  try {
    const seen = h.watch({
      namespace: 'shop',
      selector: { matchLabels: { app: 'web' } },
      containers: ['app'],
    });
    const relabel = (app: string) =>
      h.api.store.patch('pods', 'shop', 'api-1', 'merge', { metadata: { labels: { app } } }, 'main');
    relabel('web');
    await waitFor('api-1 to move in', () => ids(seen.at(-1)).includes('shop/api-1/app'));
    assert.deepEqual(seen.at(-1)!.find((t) => t.kubernetes.pod === 'api-1')!.kubernetes.labels, {
      app: 'web',
      tier: 'back',
    });
    relabel('api');
    await waitFor('api-1 to move out', () => !ids(seen.at(-1)).includes('shop/api-1/app'));
    assert.deepEqual(ids(seen.at(-1)), ['shop/web-1/app']);
    // A change that does not touch this source's targets fires nothing.
    const n = seen.length;
    h.api.store.patch('pods', 'bank', 'web-1', 'merge', { metadata: { labels: { x: 'y' } } }, 'main');
    const other = h.watch({ namespace: 'bank' });
    await waitFor('the bank change to arrive', () => other.at(-1)?.[0]?.kubernetes.labels['x'] === 'y');
    assert.equal(seen.length, n);
  } finally {
    await h.close();
  }
});

test('unsubscribe stops the calls; stop is idempotent and closes the watch', async () => {
  const h = await startHarness();
  try {
    const calls: number[] = [];
    const off = h.resolver.subscribe({ namespace: 'shop' }, (t) => calls.push(t.length));
    const probe = h.watch({ namespace: 'shop' });
    off();
    await h.addPod({ namespace: 'shop', name: 'late', node: NODE, containers: ['app'] });
    await waitFor('the probe to see the new pod', () => ids(probe.at(-1)).includes('shop/late/app'));
    assert.deepEqual(calls, [3]);
    await h.resolver.stop();
    await h.resolver.stop();
    await waitFor('the watch to close', () => h.api.openWatches === 0);
  } finally {
    await h.close();
  }
});
