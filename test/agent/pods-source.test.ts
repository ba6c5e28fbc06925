// The pods source end to end: a real agent process, the Kubernetes API double serving this
// node's pods, and a fake kubelet log folder. Only the selected pods' container logs reach
// Kafka, enriched with namespace, pod, container and labels; a pod started later is followed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { resetKeys, testEtcd } from '../support/etcd.ts';
import { readTopic, testKafka } from '../support/kafka.ts';
import { KubeApiDouble } from '../support/kube/server.ts';
import { putPod, type TestPod } from '../support/kube/pods.ts';
import { newPipeline, useEtcd } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';

const etcd = testEtcd();
const kafka = testKafka();
const p = newPipeline('pods');
useEtcd(p, etcd);
let api: KubeApiDouble;
const podRoot = join(p.dir, 'pods');

async function addPod(pod: TestPod, lines: string[]): Promise<void> {
  const uid = putPod(api.store, pod).metadata.uid!;
  for (const c of pod.containers) {
    const dir = join(podRoot, `${pod.namespace}_${pod.name}_${uid}`, c);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, '0.log'),
      lines.map((l, i) => `2026-01-02T03:04:0${i % 10}.000000001Z stdout F ${pod.name}/${c} ${l}\n`).join(''),
    );
  }
}

before(async () => {
  await resetKeys(etcd);
  api = await new KubeApiDouble().start();
  const kubeconfig = join(p.dir, 'kubeconfig.json');
  await writeFile(kubeconfig, api.kubeconfig());
  await mkdir(podRoot, { recursive: true });
  await addPod(
    { namespace: 'shop', name: 'web-1', node: p.node, labels: { app: 'web' }, containers: ['app', 'proxy'] },
    ['a', 'b'],
  );
  await addPod(
    { namespace: 'shop', name: 'api-1', node: p.node, labels: { app: 'api' }, containers: ['app'] },
    ['x'],
  );
  await addPod(
    { namespace: 'shop', name: 'web-2', node: 'other-node', labels: { app: 'web' }, containers: ['app'] },
    ['y'],
  );
  await addPod(
    { namespace: 'bank', name: 'web-1', node: p.node, labels: { app: 'web' }, containers: ['app'] },
    ['z'],
  );
  p.startAgent([], { LCS_KUBECONFIG: kubeconfig, LCS_POD_LOG_ROOT: podRoot });
});

after(async () => {
  await p.stop();
  await api.stop();
  await resetKeys(etcd);
  etcd.close();
});

test('a pods source collects exactly the selected containers of this node, enriched', async () => {
  const topic = `pods-${p.id}`;
  await etcd.put(adhocEntryKey('web')).value(
    JSON.stringify({
      source: { pods: { namespace: 'shop', selector: { matchLabels: { app: 'web' } } } },
      topic,
      parse: { format: 'cri' },
      startAt: 'beginning',
    }),
  );
  const first = await readTopic(kafka, topic, 4, 30000);
  const events = first.map(
    (r) =>
      JSON.parse(r.value) as {
        message: string;
        '@timestamp': string;
        stream: string;
        kubernetes: {
          namespace: string;
          pod: { name: string };
          container: { name: string };
          labels: Record<string, string>;
        };
      },
  );
  assert.deepEqual(events.map((e) => e.message).sort(), [
    'web-1/app a',
    'web-1/app b',
    'web-1/proxy a',
    'web-1/proxy b',
  ]);
  for (const e of events) {
    assert.equal(e.kubernetes.namespace, 'shop');
    assert.equal(e.kubernetes.pod.name, 'web-1');
    assert.deepEqual(e.kubernetes.labels, { app: 'web' });
    assert.equal(e.stream, 'stdout');
    assert.match(e['@timestamp'], /^2026-01-02T03:04:0\d\.000000001Z$/);
  }
  assert.deepEqual(events.map((e) => e.kubernetes.container.name).sort(), ['app', 'app', 'proxy', 'proxy']);

  // A pod that starts later is followed from its first line.
  await addPod(
    { namespace: 'shop', name: 'web-3', node: p.node, labels: { app: 'web' }, containers: ['app'] },
    ['late'],
  );
  const all = await readTopic(kafka, topic, 5, 30000);
  assert.ok(
    all.some((r) => r.value.includes('"message":"web-3/app late"')),
    'the new pod was collected',
  );
  assert.equal(all.length, 5, 'nothing from other namespaces, nodes or labels');
  const status = await waitFor(
    'kubernetes state in agent status',
    async () => (await p.agentStatus())?.kubernetes,
  );
  assert.equal(status.synced, true);
});

test('without a Kubernetes API a pods source is reported in the status, not silently ignored', async () => {
  const standalone = newPipeline('podsalone');
  useEtcd(standalone, etcd);
  const env: Record<string, string> = { KUBERNETES_SERVICE_HOST: '' };
  standalone.startAgent([], env);
  try {
    await etcd.put(adhocEntryKey('alone')).value(
      JSON.stringify({
        source: { pods: { namespace: 'shop' } },
        nodes: { names: [standalone.node] },
        topic: `alone-${p.id}`,
      }),
    );
    const c = await waitFor(
      'the collection reported',
      async () => (await standalone.agentStatus())?.collections['adhoc/alone'],
    );
    assert.equal(c.files, 0);
    assert.match(
      c.errors.join('\n'),
      /pods sources need the Kubernetes API: run in-cluster or set agent\.kubeconfig/,
    );
  } finally {
    await standalone.stop();
  }
});
