// The API-server double's pods, label selectors and field selectors behave like the real
// server's, as seen through the real client-node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { KubeApiDouble } from '../support/kube/server.ts';
import { putPod } from '../support/kube/pods.ts';
import { parseLabelSelector } from '../support/kube/selectors.ts';
import type { Obj } from '../support/kube/store.ts';
import { waitFor } from '../support/wait.ts';

async function setup() {
  const api = await new KubeApiDouble().start();
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig());
  putPod(api.store, {
    namespace: 'a',
    name: 'p1',
    node: 'n1',
    labels: { app: 'web', tier: 'front' },
    containers: ['c'],
  });
  putPod(api.store, { namespace: 'a', name: 'p2', node: 'n2', labels: { app: 'api' }, containers: ['c'] });
  putPod(api.store, { namespace: 'b', name: 'p3', node: 'n1', labels: { app: 'web' }, containers: ['c'] });
  return { api, kc, core: kc.makeApiClient(CoreV1Api) };
}

const names = (items: { metadata?: { namespace?: string; name?: string } }[]) =>
  items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`).sort();

test('pods: status is dropped on create and written through /status', async () => {
  const { api, core } = await setup();
  try {
    const created = await core.createNamespacedPod({
      namespace: 'a',
      body: { metadata: { name: 'x' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' } },
    });
    assert.equal(created.status, undefined);
    const p1 = await core.readNamespacedPod({ namespace: 'a', name: 'p1' });
    assert.equal(p1.status?.phase, 'Running');
    assert.equal(p1.spec?.nodeName, 'n1');
  } finally {
    await api.stop();
  }
});

test('lists honour fieldSelector and labelSelector; an unsupported field label is a 400', async () => {
  const { api, core } = await setup();
  try {
    const onN1 = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=n1' });
    assert.deepEqual(names(onN1.items), ['a/p1', 'b/p3']);
    const notN1 = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName!=n1' });
    assert.deepEqual(names(notN1.items), ['a/p2']);
    const webInA = await core.listNamespacedPod({ namespace: 'a', labelSelector: 'app in (web, x),tier' });
    assert.deepEqual(names(webInA.items), ['a/p1']);
    const both = await core.listPodForAllNamespaces({
      fieldSelector: 'spec.nodeName=n1,metadata.namespace=b',
      labelSelector: '!tier',
    });
    assert.deepEqual(names(both.items), ['b/p3']);
    await assert.rejects(core.listPodForAllNamespaces({ fieldSelector: 'spec.image=x' }), (err: unknown) => {
      assert.equal((err as { code?: number }).code, 400);
      return true;
    });
  } finally {
    await api.stop();
  }
});

test('label selector syntax: =, ==, !=, in, notin, exists, does not exist', () => {
  const o = { metadata: { name: 'x', namespace: 'n', labels: { a: '1', b: '2' } } } as unknown as Obj;
  const cases: [string, boolean][] = [
    ['a=1', true],
    ['a==1', true],
    ['a!=1', false],
    ['c!=1', true],
    ['a in (1,3)', true],
    ['a notin (1,3)', false],
    ['c notin (1)', true],
    ['b', true],
    ['!b', false],
    ['a=1,b=3', false],
    ['', true],
  ];
  for (const [sel, want] of cases) assert.equal(parseLabelSelector(sel)(o), want, sel);
  assert.throws(() => parseLabelSelector('a in 1'), /unable to parse/);
});

test('a selector watch shows objects moving into the selection as ADDED and out as DELETED', async () => {
  const { api, kc } = await setup();
  try {
    const rv = api.store.resourceVersion;
    const events: string[] = [];
    const req = await new Watch(kc).watch(
      '/api/v1/pods',
      { resourceVersion: rv, labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n2' },
      (type, obj: { metadata: { name: string } }) => events.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    const relabel = (app: string) =>
      api.store.patch('pods', 'a', 'p2', 'merge', { metadata: { labels: { app } } }, 'main');
    relabel('web');
    api.store.patch('pods', 'a', 'p2', 'merge', { metadata: { annotations: { x: '1' } } }, 'main');
    relabel('api');
    api.store.patch('pods', 'a', 'p1', 'merge', { metadata: { annotations: { x: '1' } } }, 'main');
    relabel('web');
    api.store.delete('pods', 'a', 'p2');
    await waitFor('five events', () => events.length >= 5 && events);
    assert.deepEqual(events, ['ADDED p2', 'MODIFIED p2', 'DELETED p2', 'ADDED p2', 'DELETED p2']);
    req.abort();

    // The same view replayed from the history.
    const replay: string[] = [];
    const again = await new Watch(kc).watch(
      '/api/v1/pods',
      { resourceVersion: rv, labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n2' },
      (type, obj: { metadata: { name: string } }) => replay.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await waitFor('the replay', () => replay.length >= 5);
    assert.deepEqual(replay, events);
    again.abort();
  } finally {
    await api.stop();
  }
});
