// The API-server double behaves like the API server for what the operator relies on, as
// seen through the real @kubernetes/client-node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoordinationV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { KubeApiDouble } from '../support/kube/server.ts';
import { waitFor } from '../support/wait.ts';

const G = 'lcs.dev';
const V = 'v1alpha1';
const P = 'logcollections';
const lc = (name: string, topic = 't1') => ({
  apiVersion: `${G}/${V}`,
  kind: 'LogCollection',
  metadata: { name },
  spec: { topic, source: { pods: { namespace: 'ns1' } } },
});
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function setup() {
  const api = await new KubeApiDouble().start();
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig());
  return { api, kc, co: kc.makeApiClient(CustomObjectsApi) };
}

test('generation follows spec changes only; status subresource is separate', async () => {
  const { api, co } = await setup();
  try {
    const created = await co.createNamespacedCustomObject({
      group: G,
      version: V,
      namespace: 'ns1',
      plural: P,
      body: { ...lc('a'), status: { x: 1 } },
    });
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.status, undefined, 'status is ignored on create');
    const s = await co.patchNamespacedCustomObjectStatus(
      {
        group: G,
        version: V,
        namespace: 'ns1',
        plural: P,
        name: 'a',
        body: { status: { ok: true }, spec: { topic: 'ignored' } },
      },
      merge,
    );
    assert.equal(s.metadata.generation, 1);
    assert.deepEqual(s.status, { ok: true });
    assert.equal(s.spec.topic, 't1');
    const m = await co.patchNamespacedCustomObject(
      {
        group: G,
        version: V,
        namespace: 'ns1',
        plural: P,
        name: 'a',
        body: { metadata: { labels: { a: 'b' } } },
      },
      merge,
    );
    assert.equal(m.metadata.generation, 1, 'metadata changes keep the generation');
    const u = await co.patchNamespacedCustomObject({
      group: G,
      version: V,
      namespace: 'ns1',
      plural: P,
      name: 'a',
      body: [{ op: 'replace', path: '/spec/topic', value: 't2' }],
    });
    assert.equal(u.metadata.generation, 2);
    assert.deepEqual(u.status, { ok: true }, 'spec writes keep status');
    await assert.rejects(
      co.replaceNamespacedCustomObject({
        group: G,
        version: V,
        namespace: 'ns1',
        plural: P,
        name: 'a',
        body: { ...created, spec: { topic: 'x' } },
      }),
      (err: { code?: number }) => err.code === 409,
    );
    await assert.rejects(
      co.patchNamespacedCustomObject({
        group: G,
        version: V,
        namespace: 'ns1',
        plural: P,
        name: 'a',
        body: [{ op: 'test', path: '/spec/topic', value: 'nope' }],
      }),
      (err: { code?: number }) => err.code === 422,
    );
    assert.equal(api.statusWrites('a').length, 1);
  } finally {
    await api.stop();
  }
});

test('finalizers hold a deleted object until they are removed', async () => {
  const { api, co } = await setup();
  try {
    await co.createNamespacedCustomObject({
      group: G,
      version: V,
      namespace: 'ns1',
      plural: P,
      body: { ...lc('f'), metadata: { name: 'f', finalizers: ['x/y'] } },
    });
    await co.deleteNamespacedCustomObject({ group: G, version: V, namespace: 'ns1', plural: P, name: 'f' });
    const held = await co.getNamespacedCustomObject({
      group: G,
      version: V,
      namespace: 'ns1',
      plural: P,
      name: 'f',
    });
    assert.ok(held.metadata.deletionTimestamp);
    await assert.rejects(
      co.patchNamespacedCustomObject(
        {
          group: G,
          version: V,
          namespace: 'ns1',
          plural: P,
          name: 'f',
          body: { metadata: { finalizers: ['x/y', 'new/one'] } },
        },
        merge,
      ),
      (err: { code?: number }) => err.code === 422,
    );
    await co.patchNamespacedCustomObject(
      {
        group: G,
        version: V,
        namespace: 'ns1',
        plural: P,
        name: 'f',
        body: { metadata: { finalizers: null } },
      },
      merge,
    );
    await assert.rejects(
      co.getNamespacedCustomObject({ group: G, version: V, namespace: 'ns1', plural: P, name: 'f' }),
      (err: { code?: number }) => err.code === 404,
    );
  } finally {
    await api.stop();
  }
});

test('watch streams from a resourceVersion, and an expired one gets a 410 ERROR event', async () => {
  const { api, co, kc } = await setup();
  try {
    await co.createNamespacedCustomObject({
      group: G,
      version: V,
      namespace: 'ns1',
      plural: P,
      body: lc('w1'),
    });
    const list = await co.listNamespacedCustomObject({ group: G, version: V, namespace: 'ns1', plural: P });
    const rv = list.metadata.resourceVersion as string;
    const seen: string[] = [];
    let ended = false;
    const ctl = await new Watch(kc).watch(
      `/apis/${G}/${V}/namespaces/ns1/${P}`,
      { resourceVersion: rv },
      (type, obj) => seen.push(`${type} ${obj.metadata?.name ?? obj.code}`),
      () => (ended = true),
    );
    await co.createNamespacedCustomObject({
      group: G,
      version: V,
      namespace: 'ns1',
      plural: P,
      body: lc('w2'),
    });
    await co.deleteNamespacedCustomObject({ group: G, version: V, namespace: 'ns1', plural: P, name: 'w1' });
    await waitFor('two watch events', () => seen.length >= 2);
    assert.deepEqual(seen, ['ADDED w2', 'DELETED w1']);
    assert.equal(api.dropWatches(), 1);
    await waitFor('the watch to end', () => ended);
    ctl.abort();

    api.store.compact();
    const expired: string[] = [];
    await new Watch(kc).watch(
      `/apis/${G}/${V}/namespaces/ns1/${P}`,
      { resourceVersion: rv },
      (type, obj) => expired.push(`${type} ${obj.code} ${obj.reason}`),
      () => {},
    );
    await waitFor('the 410 event', () => expired.length >= 1);
    assert.deepEqual(expired, ['ERROR 410 Expired']);
  } finally {
    await api.stop();
  }
});

test('leases: create, conflict on a stale replace', async () => {
  const { api, kc } = await setup();
  try {
    const co = kc.makeApiClient(CoordinationV1Api);
    const lease = await co.createNamespacedLease({
      namespace: 'lcs',
      body: { metadata: { name: 'l' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 5 } },
    });
    const next = await co.replaceNamespacedLease({
      namespace: 'lcs',
      name: 'l',
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
    });
    assert.equal(next.spec?.holderIdentity, 'b');
    await assert.rejects(
      co.replaceNamespacedLease({
        namespace: 'lcs',
        name: 'l',
        body: { ...lease, spec: { holderIdentity: 'c' } },
      }),
      (err: { code?: number }) => err.code === 409,
    );
  } finally {
    await api.stop();
  }
});
