// The whole path as a user meets it, on the real control plane: `kubectl apply -f` the
// example crds/examples/pods-web.yaml → the operator (a host process holding a token of its
// ServiceAccount lcs-operator, nothing more) writes the collect entry to etcd and creates the
// topic → an agent (a host process for kwok-node-0, holding a token of lcs-agent) lists and
// watches that node's pods by the real field selector and tails their files in a
// kubelet-style log directory → the transfer puts the events into Elasticsearch → `kubectl
// get lc` shows Ready and one agent. Pods are real: a DaemonSet and a Deployment, scheduled
// by kube-scheduler onto kwok's nodes and reported Running by kwok. The test plays the
// kubelet's part of writing the container log files, in CRI format, under a temp directory.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentStatusKey, k8sEntryKey } from '../../common/keyspace.ts';
import { parseAgentStatus, type AgentStatus } from '../../common/status/agent.ts';
import { nodeName } from '../../deploy/local/kube.ts';
import { allDocs, count, deleteIndices } from '../support/elasticsearch.ts';
import { testEtcd } from '../support/etcd.ts';
import { testKafka } from '../support/kafka.ts';
import {
  EXAMPLES,
  SYSTEM_NS,
  clearLogCollections,
  ensureNamespace,
  kubectl,
  kubectlOk,
  serviceAccountKubeconfig,
  table,
} from '../support/kube-cluster.ts';
import { startLcs, type LcsProcess } from '../support/lcs-process.ts';
import { newPipeline, useEtcd, waitForTransferTopic } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { realBackend, type KubeBackend } from '../operator/backends.ts';

// What the example says: namespace team-a, pods labelled app=web, container app only, CRI
// lines joined by a multiline start pattern, static field team=a, topic and index below.
const EXAMPLE = join(EXAMPLES, 'pods-web.yaml');
const NS = 'team-a';
const LC = 'web';
const TOPIC = 'team-a.web';
const INDEX = 'team-a-web-*';
const NODE = nodeName(0);

const etcd = testEtcd();
const kafka = testKafka();
// LCS_ALLOWED_ROOTS is the pipeline's folder, so the pod log root below it is allowed.
const p = newPipeline('kube-e2e', { LCS_NODE_NAME: NODE });
useEtcd(p, etcd);
const podRoot = join(p.dir, 'var-log-pods');
let operator: LcsProcess | undefined;
let backend: KubeBackend;

interface Pod {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> };
  spec: { nodeName?: string; containers: { name: string }[] };
  status?: { phase?: string };
}

/** The app's pods in team-a as the admin sees them. */
async function pods(selector: string): Promise<Pod[]> {
  const out = await kubectlOk(['get', 'pods', '-n', NS, '-l', selector, '-o', 'json']);
  return (JSON.parse(out) as { items: Pod[] }).items;
}

async function agentStatus(): Promise<AgentStatus | undefined> {
  const key = agentStatusKey(NODE);
  const raw = await etcd.get(key).string();
  if (raw === null) return undefined;
  const parsed = parseAgentStatus(raw, key);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

async function forgetKeys(): Promise<void> {
  await etcd.delete().key(k8sEntryKey(NS, LC));
  await etcd.delete().key(agentStatusKey(NODE));
}

async function dropTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return;
    await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    await waitFor(`topic ${topic} deleted`, async () => !(await admin.listTopics()).includes(topic), {
      timeoutMs: 30_000,
    });
  } finally {
    await admin.disconnect();
  }
}

// A DaemonSet puts a web pod on every kwok node; only kwok-node-0's is this agent's. Its pods
// have a sidecar the example's `containers: [app]` leaves out. A Deployment adds an api pod on
// the same node that the label selector leaves out.
const WORKLOADS = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: web
  namespace: ${NS}
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - { name: app, image: registry.invalid/web:1 }
        - { name: sidecar, image: registry.invalid/proxy:1 }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      nodeSelector: { kubernetes.io/hostname: ${NODE} }
      containers:
        - { name: app, image: registry.invalid/api:1 }
`;

/** Deletes the DaemonSet and the Deployment; `wait`: until their pods are gone too. */
async function removeWorkloads(wait: boolean): Promise<void> {
  await kubectl(['delete', '-n', NS, 'daemonset/web', 'deployment/api', '--ignore-not-found', '--wait=true']);
  if (!wait) return;
  // kwok notices deleted pods on its next relist (docs/local-services.md, kube): 25-45 s here.
  await waitFor('the test pods gone', async () => (await pods('app in (web,api)')).length === 0, {
    timeoutMs: 120_000,
    intervalMs: 500,
  });
}

before(async () => {
  // A fresh start: no LogCollections in team-a, no operator Lease, no entry or agent record of
  // ours, no topic or index left by an earlier run. (Only our keys: etcd is shared.)
  backend = await realBackend([NS], { ns: SYSTEM_NS, name: 'lcs-operator' });
  await forgetKeys();
  await removeWorkloads(true);
  await dropTopic(TOPIC);
  await dropTopic(`${TOPIC}.dlq`);
  await deleteIndices(INDEX);
  mkdirSync(podRoot, { recursive: true });
});

after(async () => {
  await Promise.all([operator?.stop(), p.stop()]);
  await clearLogCollections([NS]).catch(() => {});
  // The pods go on kwok's next relist; the next run's before() waits for that.
  await removeWorkloads(false).catch(() => {});
  await deleteIndices(INDEX).catch(() => {});
  await dropTopic(TOPIC).catch(() => {});
  await forgetKeys().catch(() => {});
  etcd.close();
});

const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '000000Z');
const runTag = p.id;

/**
 * CRI lines for `n` events starting at `from`, as the kubelet writes them, and the messages
 * they must become: every fifth event carries a stack-trace line (joined by the multiline
 * start pattern), every seventh is split into a partial and a final CRI line.
 */
function events(who: string, from: number, n: number): { cri: string; messages: string[] } {
  let cri = '';
  const messages: string[] = [];
  for (let i = from; i < from + n; i++) {
    const ts = stamp(Date.now());
    const head = `2026-12-03 12:00:${String(i % 60).padStart(2, '0')}.000 INFO ${runTag} ${who} event ${i}`;
    if (i % 7 === 3) {
      cri += `${ts} stdout P ${head.slice(0, 20)}\n${ts} stdout F ${head.slice(20)}\n`;
    } else {
      cri += `${ts} stdout F ${head}\n`;
    }
    if (i % 5 === 2) {
      const trace = `\tat dev.lcs.Web.handle(Web.java:${i})`;
      cri += `${ts} stderr F ${trace}\n`;
      messages.push(`${head}\n${trace}`);
    } else {
      messages.push(head);
    }
  }
  return { cri, messages };
}

/** The kubelet's file of one container: <root>/<ns>_<pod>_<uid>/<container>/0.log. */
function logFile(pod: Pod, container: string): string {
  const dir = join(podRoot, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`, container);
  mkdirSync(dir, { recursive: true });
  return join(dir, '0.log');
}

test('kubectl apply of the example → operator → agent on a kwok node → transfer → Elasticsearch, and kubectl get lc shows Ready with one agent', async () => {
  // Each component with its own ServiceAccount's token (TokenRequest), not the admin's.
  const opKube = await serviceAccountKubeconfig('lcs-operator');
  const agentKube = await serviceAccountKubeconfig('lcs-agent');
  operator = startLcs('operator', [], {
    env: {
      LCS_KUBECONFIG: opKube.file,
      LCS_OPERATOR_NAMESPACE: SYSTEM_NS,
      LCS_OPERATOR_CREATE_TOPICS: 'true',
      LCS_LEADER_IDENTITY: `e2e-${p.id}`,
    },
    logDir: p.logDir,
    name: 'operator',
  });
  p.startAgent([], { LCS_KUBECONFIG: agentKube.file, LCS_POD_LOG_ROOT: podRoot });
  p.startTransfer();

  await ensureNamespace(NS);
  const applied = await kubectlOk(['apply', '-f', EXAMPLE]);
  assert.match(applied, /logcollection\.lcs\.dev\/web (created|configured)/);

  // The operator wrote the entry; the agent runs it (no pods yet, so no files).
  const entry = await waitFor('the collect entry in etcd', async () => {
    const res = await etcd.get(k8sEntryKey(NS, LC)).exec();
    const kv = res.kvs[0];
    return kv && { value: JSON.parse(kv.value.toString()), modRevision: Number(kv.mod_revision) };
  });
  assert.equal(entry.value.topic, TOPIC);
  assert.equal(entry.value.index, 'team-a-web');
  const running = await waitFor('the agent to run the entry', async () => {
    const s = await agentStatus();
    return s?.kubernetes?.synced && s.collections[`k8s/${NS}/${LC}`];
  });
  assert.equal(running.modRevision, entry.modRevision);
  assert.deepEqual(running.errors, []);
  // The operator created the topic from spec.kafka before writing the entry.
  const admin = kafka.admin();
  await admin.connect();
  const md = await admin.fetchTopicMetadata({ topics: [TOPIC] }).finally(() => admin.disconnect());
  assert.equal(md.topics[0]!.partitions.length, 6);
  await waitForTransferTopic(etcd, TOPIC);

  // Real pods: scheduled by kube-scheduler, Running by kwok.
  await kubectlOk(['apply', '-f', '-'], { input: WORKLOADS });
  const web = await waitFor(
    'a Running web pod on each kwok node and the api pod',
    async () => {
      const w = await pods('app=web');
      const a = await pods('app=api');
      const all = [...w, ...a];
      return (
        w.length >= 3 &&
        a.length === 1 &&
        all.every((x) => x.status?.phase === 'Running' && x.spec.nodeName) &&
        w
      );
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  const mine = web.find((x) => x.spec.nodeName === NODE);
  assert.ok(mine, `a web pod on ${NODE}`);
  const others = web.filter((x) => x.spec.nodeName !== NODE);
  assert.ok(others.length >= 2, 'web pods on the other nodes');
  const [api] = await pods('app=api');
  assert.equal(api!.spec.nodeName, NODE);

  // The kubelet's part: log files for every container of every pod, all under the one root
  // the agent reads. Only kwok-node-0's web pod's app container is the collection's.
  const app = logFile(mine, 'app');
  const first = events('app', 0, 30);
  writeFileSync(app, first.cri);
  const decoys = [
    logFile(mine, 'sidecar'),
    logFile(api!, 'app'),
    ...others.flatMap((o) => [logFile(o, 'app'), logFile(o, 'sidecar')]),
  ];
  for (const [i, f] of decoys.entries()) writeFileSync(f, events(`decoy${i}`, 0, 5).cri);

  // The agent's view of its node came from the field selector: this node's pods only.
  const onNode = JSON.parse(
    await kubectlOk(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${NODE}`, '-o', 'json']),
  ) as { items: Pod[] };
  const status = await waitFor("the agent tailing the app container, holding its node's pods", async () => {
    const s = await agentStatus();
    return (
      s?.tailers.some((t) => t.file === app && t.state === 'reading') &&
      s.kubernetes?.pods === onNode.items.length &&
      s
    );
  });
  assert.equal(status.kubernetes?.lastError, undefined, 'list and watch allowed');
  assert.deepEqual(
    status.tailers.filter((t) => t.collection === `k8s/${NS}/${LC}`).map((t) => t.file),
    [app],
    'no tailer on another container, pod or node',
  );

  // More lines while the file is tailed.
  const second = events('app', 30, 30);
  appendFileSync(app, second.cri);
  const expected = [...first.messages, ...second.messages];

  await waitFor(
    `${expected.length} events in ${INDEX}`,
    async () => (await count(INDEX)) >= expected.length,
    {
      timeoutMs: 60_000,
      intervalMs: 200,
    },
  );
  interface Doc {
    message: string;
    stream: string;
    team: string;
    event: { id: string };
    host: { name: string };
    kubernetes: { namespace: string; pod: { name: string }; container: { name: string } };
  }
  // Settled: the agent has sent everything it read (no lag), so nothing more is on its way.
  await waitFor('the agent caught up', async () =>
    (await agentStatus())?.tailers.every((t) => t.lagBytes === 0 && t.offset === t.size),
  );
  const docs = await allDocs<Doc>(INDEX);
  assert.deepEqual(
    docs.map((d) => d.message).sort(),
    [...expected].sort(),
    'every event, once, nothing else',
  );
  assert.equal(new Set(docs.map((d) => d.event.id)).size, docs.length, 'every event id once');
  for (const d of docs) {
    assert.equal(d.kubernetes.namespace, NS);
    assert.equal(d.kubernetes.pod.name, mine.metadata.name);
    assert.equal(d.kubernetes.container.name, 'app');
    assert.equal(d.host.name, NODE);
  }
  assert.ok(docs.some((d) => d.stream === 'stdout'));

  // The LogCollection says so: Ready, one agent — through the real kubectl's printer columns.
  const row = await waitFor(
    'kubectl get lc: Ready True, 1 agent',
    async () => {
      const [r] = table(await kubectlOk(['get', 'lc', '-n', NS, LC, '-o', 'wide']));
      return r?.['READY'] === 'True' && r['AGENTS'] === '1' && r;
    },
    { timeoutMs: 30_000 },
  );
  assert.equal(row['TOPIC'], TOPIC);
  assert.equal(row['REASON'], 'Running');

  // Status written only on change: with the agent reporting every 500 ms and no new lines,
  // the operator writes nothing once the rate has settled at 0.
  await waitFor(
    'events/s back to 0',
    async () => {
      const [r] = table(await kubectlOk(['get', 'lc', '-n', NS, LC]));
      return r?.['EVENTS/S'] === '0';
    },
    { timeoutMs: 60_000 },
  );
  const writes = await backend.statusWrites(LC);
  const seen = new Set<string>();
  await waitFor('three more agent reports', async () => {
    const s = await agentStatus();
    if (s) seen.add(s.updatedAt);
    return seen.size > 3;
  });
  assert.equal(await backend.statusWrites(LC), writes, 'no status write without a change');

  // Neither component ever met a refusal: the ServiceAccounts' rights were enough.
  for (const [name, proc] of [
    ['operator', operator],
    ['agent', p.agent!],
  ] as const) {
    assert.doesNotMatch(proc.logs(), /forbidden|\b403\b|\b401\b/i, `${name} log: ${proc.logFile}`);
  }

  // kubectl delete: the finalizer holds the object until the entry is gone; the agent stops.
  await kubectlOk(['delete', '-f', EXAMPLE, '--wait=true', '--timeout=30s']);
  assert.equal((await etcd.get(k8sEntryKey(NS, LC)).exec()).kvs.length, 0, 'entry deleted before the object');
  await waitFor(
    'the agent to drop the collection',
    async () => (await agentStatus())?.collections[`k8s/${NS}/${LC}`] === undefined,
  );
  // Every reconcile of ours succeeded, the ones after the finalizer's release included.
  const failed = operator
    .logs()
    .split('\n')
    .filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"'))
    .filter((l) => l.includes(`${NS}/${LC}`));
  assert.deepEqual(failed, [], `operator log: ${operator.logFile}`);
});
