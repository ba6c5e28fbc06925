// The Helm chart installed into the real control plane (the `kube` service: kube-apiserver,
// controller-manager, scheduler and kwok's fake nodes), as a user runs it:
//
// 1. `helm install --wait`: every rendered object is accepted and exists, the post-install
//    Job ran (kwok completes Job pods), the DaemonSets have one pod on every node and the
//    Deployments roll out.
// 2. `helm upgrade --set transfer.config.transfer.bulkDocs=…`: the transfer's pods are
//    replaced (a new ReplicaSet, through the chart's checksum annotation); no other pod is,
//    and no other workload's spec changes.
// 3. The operator, the agent and the transfer run as host processes (no image runs here)
//    with exactly what the chart gave their pods: the ConfigMap's config.yaml, the
//    container's env, and a token of the ServiceAccount the chart created (the transfer's
//    has none and needs none). A kubectl-applied LogCollection's lines reach Elasticsearch.
// 4. `helm uninstall`: nothing carrying the release's label is left in any resource type,
//    namespaced or cluster-scoped; the CRD stays (helm never deletes crds/, docs/chart.md).
//
// The values point the chart at the shared engines on 127.0.0.1 (bundled.enabled=false): in
// the pods these are only env values, since kwok runs no container.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentStatusKey, k8sEntryKey } from '../../common/keyspace.ts';
import { parseAgentStatus, type AgentStatus } from '../../common/status/agent.ts';
import { port } from '../../deploy/local/layout.ts';
import { nodeName } from '../../deploy/local/kube.ts';
import { CHART, HELM, objects, type Obj } from '../chart/render.ts';
import { allDocs, count, deleteIndices } from '../support/elasticsearch.ts';
import { testEtcd } from '../support/etcd.ts';
import {
  ADMIN_KUBECONFIG,
  clearLogCollections,
  ensureNamespace,
  kubectl,
  kubectlOk,
  serviceAccountKubeconfig,
} from '../support/kube-cluster.ts';
import { startLcs, type LcsProcess } from '../support/lcs-process.ts';
import { newPipeline, waitForTransferTopic } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';

const RELEASE = 'lcs-it';
const NS = 'lcs-chart';
const FULL = `${RELEASE}-lcs`;
const INSTANCE = `app.kubernetes.io/instance=${RELEASE}`;
const CRD_NAME = 'logcollections.lcs.dev';
// The trial (every engine bundled), a second release beside the first.
const TRIAL = 'lcs-trial';
const TRIAL_NS = 'lcs-trial';
const TRIAL_FULL = `${TRIAL}-lcs`;
/** The bundled engines' claims (volumeClaimTemplates `data`) and the sizes values.yaml asks. */
const TRIAL_CLAIMS = [
  ['etcd', '1Gi'],
  ['kafka', '5Gi'],
  ['elasticsearch', '10Gi'],
  ['influxdb', '2Gi'],
] as const;
const PV_LABEL = 'lcs-test=chart-install';
// The application whose logs are collected, and the node the host agent plays.
const APP_NS = 'chart-app';
const LC = 'web';
const NODE = nodeName(0);

const etcd = testEtcd();
const p = newPipeline('chart-install');
const TOPIC = `${APP_NS}.${p.id}`;
const INDEX = p.id;
const podRoot = join(p.dir, 'var-log-pods');
const procs: LcsProcess[] = [];

const VALUES = `# test/kube/chart-install.test.ts: the chart against the shared engines on 127.0.0.1.
bundled: { enabled: false }
etcd: { endpoints: ['http://127.0.0.1:${port('etcd')}'] }
kafka: { brokers: ['127.0.0.1:${port('kafka')}'] }
elasticsearch: { url: ['http://127.0.0.1:${port('elasticsearch')}'] }
influxdb: { url: 'http://127.0.0.1:${port('influxdb')}' }
kibana: { url: 'http://127.0.0.1:5601' }
operator:
  config:
    operator:
      # Only the test's application namespace, so other tests' LogCollections are left alone.
      watchNamespace: ${APP_NS}
      createTopics: true
`;
const valuesFile = join(p.dir, 'values.yaml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real helm 4 with the admin kubeconfig. */
function helm(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(HELM, [...args, '--kubeconfig', ADMIN_KUBECONFIG], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (e) => reject(new Error(`cannot run helm at ${HELM}: ${e.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function helmOk(args: readonly string[]): Promise<string> {
  const r = await helm(args);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

async function getJson(args: readonly string[]): Promise<Obj> {
  return JSON.parse(await kubectlOk([...args, '-o', 'json'])) as Obj;
}

/** The release's pods, as the admin sees them. */
async function releasePods(ns = NS, release = RELEASE): Promise<Obj[]> {
  return (await getJson(['get', 'pods', '-n', ns, '-l', `app.kubernetes.io/instance=${release}`]))
    .items as Obj[];
}

const component = (o: Obj): string => o.metadata.labels?.['app.kubernetes.io/component'] ?? '';
const ready = (pod: Obj): boolean =>
  pod.status?.phase === 'Running' &&
  !pod.metadata.deletionTimestamp &&
  (pod.status.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');

/** Every resource type that can be listed, namespaced and cluster-scoped (events carry no labels). */
async function listableTypes(): Promise<string[]> {
  const out = await kubectlOk(['api-resources', '--verbs=list', '-o', 'name']);
  return out
    .split('\n')
    .filter(Boolean)
    .filter((r) => r !== 'events' && r !== 'events.events.k8s.io');
}

/** Everything in the cluster carrying one of the releases' instance label, as kind/name (namespace). */
async function labelled(types: readonly string[], releases = [RELEASE, TRIAL]): Promise<string[]> {
  const selector = `app.kubernetes.io/instance in (${releases.join(',')})`;
  const out = await kubectlOk(['get', types.join(','), '-A', '-l', selector, '-o', 'json']);
  return ((JSON.parse(out) as Obj).items as Obj[]).map(
    (o) => `${o.kind}/${o.metadata.name}${o.metadata.namespace ? ` (${o.metadata.namespace})` : ''}`,
  );
}

async function agentStatus(): Promise<AgentStatus | undefined> {
  const key = agentStatusKey(NODE);
  const raw = await etcd.get(key).string();
  if (raw === null) return undefined;
  const parsed = parseAgentStatus(raw, key);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/** A release left by an interrupted run: uninstalled, and waited for until its pods are gone. */
async function removeRelease(release: string, ns: string): Promise<void> {
  const st = await helm(['status', release, '-n', ns]);
  if (st.code === 0) await helmOk(['uninstall', release, '-n', ns, '--wait', '--timeout', '3m']);
  await waitFor(`no pod of release ${release}`, async () => (await releasePods(ns, release)).length === 0, {
    timeoutMs: 180_000,
    intervalMs: 1000,
  });
}

/**
 * kwok has no storage provisioner: one static volume per claim of the trial, bound to it by
 * claimRef (never mounted: no container runs).
 */
function trialVolumes(): string {
  return TRIAL_CLAIMS.map(
    ([engine, size]) => `apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${TRIAL_FULL}-${engine}
  labels: { lcs-test: chart-install }
spec:
  capacity: { storage: ${size} }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  claimRef: { namespace: ${TRIAL_NS}, name: data-${TRIAL_FULL}-${engine}-0 }
  hostPath: { path: /var/lib/lcs-test/${engine} }
`,
  ).join('---\n');
}

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${APP_NS}
spec:
  replicas: 1
  selector:
    matchLabels: { app: chart-web }
  template:
    metadata:
      labels: { app: chart-web }
    spec:
      nodeSelector: { kubernetes.io/hostname: ${NODE} }
      containers:
        - { name: app, image: registry.invalid/web:1 }
`;

const COLLECTION = `apiVersion: lcs.dev/v1alpha1
kind: LogCollection
metadata:
  name: ${LC}
  namespace: ${APP_NS}
spec:
  source:
    pods:
      namespace: ${APP_NS}
      selector:
        matchLabels: { app: chart-web }
  parse:
    format: cri
  topic: ${TOPIC}
  index: ${INDEX}
  kafka:
    partitions: 2
`;

before(async () => {
  writeFileSync(valuesFile, VALUES);
  mkdirSync(podRoot, { recursive: true });
  await ensureNamespace(NS);
  await ensureNamespace(TRIAL_NS);
  await ensureNamespace(APP_NS);
  // On a fresh control plane the CRD comes with the chart (crds/).
  if ((await kubectl(['get', `crd/${CRD_NAME}`])).code === 0) await clearLogCollections([APP_NS]);
  await removeRelease(RELEASE, NS);
  await removeRelease(TRIAL, TRIAL_NS);
  await kubectl(['delete', 'pv', '-l', PV_LABEL, '--ignore-not-found', '--wait=true']);
  await etcd.delete().key(agentStatusKey(NODE));
});

after(async () => {
  await Promise.all(procs.map((x) => x.stop()));
  await clearLogCollections([APP_NS]).catch(() => {});
  await kubectl(['delete', '-n', APP_NS, 'deployment/web', '--ignore-not-found']).catch(() => {});
  await helm(['uninstall', RELEASE, '-n', NS, '--ignore-not-found']).catch(() => {});
  await helm(['uninstall', TRIAL, '-n', TRIAL_NS, '--ignore-not-found']).catch(() => {});
  await kubectl(['delete', 'pv', '-l', PV_LABEL, '--ignore-not-found']).catch(() => {});
  await deleteIndices(`${INDEX}*`).catch(() => {});
  await etcd
    .delete()
    .key(k8sEntryKey(APP_NS, LC))
    .catch(() => {});
  await etcd
    .delete()
    .key(agentStatusKey(NODE))
    .catch(() => {});
  etcd.close();
});

/** The chart's workloads, by kind/name. */
const WORKLOADS = [
  ['deployment', `${FULL}-operator`],
  ['deployment', `${FULL}-transfer`],
  ['deployment', `${FULL}-console`],
  ['daemonset', `${FULL}-agent`],
  ['daemonset', `${FULL}-metrics`],
] as const;

test('helm install: every object accepted, a DaemonSet pod on every node, the Deployments rolled out', async () => {
  const out = await helmOk([
    'install',
    RELEASE,
    CHART,
    '-n',
    NS,
    '-f',
    valuesFile,
    '--wait',
    '--timeout',
    '5m',
  ]);
  assert.match(out, /STATUS: deployed/);

  // Every object helm rendered exists as it was sent, and carries the release's label (the
  // uninstall check below finds objects by that label, so it must be on all of them).
  const manifest = objects(await helmOk(['get', 'manifest', RELEASE, '-n', NS]));
  const kinds = new Set(manifest.map((o) => o.kind));
  for (const k of [
    'Deployment',
    'DaemonSet',
    'ClusterRole',
    'ClusterRoleBinding',
    'PriorityClass',
    'PodDisruptionBudget',
  ])
    assert.ok(kinds.has(k), `the manifest has a ${k}`);
  const got = JSON.parse(
    await kubectlOk(['get', '-f', '-', '-o', 'json'], {
      input: manifest.map((o) => JSON.stringify(o)).join('\n---\n'),
    }),
  ) as Obj;
  const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  assert.deepEqual(
    ((got.items ?? [got]) as Obj[]).map(key).sort(),
    manifest.map(key).sort(),
    'every object helm sent is in the cluster',
  );
  for (const o of manifest)
    assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], RELEASE, `${key(o)} labelled`);
  // The ClusterRoles are the release's own, beside deploy/kubernetes/'s lcs-operator and lcs-agent.
  const roles = manifest.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name);
  assert.deepEqual(roles.sort(), [`${FULL}-agent`, `${FULL}-operator`]);
  // The post-install hook (the Kibana data views Job) ran to completion: helm waited for it,
  // and its hook-delete-policy removed it on success.
  const hooks = objects(await helmOk(['get', 'hooks', RELEASE, '-n', NS]));
  assert.deepEqual(
    hooks.map((o) => `${o.kind}/${o.metadata.name}`),
    [`Job/${FULL}-kibana-data-views`],
  );
  const job = await kubectl(['get', 'job', '-n', NS, `${FULL}-kibana-data-views`]);
  assert.notEqual(job.code, 0, 'the succeeded hook Job was deleted');

  // The CRD is in place (crds/ is applied first; an existing one is left as it is).
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD_NAME}`]);

  // The workloads rolled out: every replica updated and Ready.
  for (const [kind, name] of WORKLOADS)
    await kubectlOk(['rollout', 'status', '-n', NS, `${kind}/${name}`, '--timeout=180s']);
  const nodes = ((await getJson(['get', 'nodes', '-l', 'type=kwok'])).items as Obj[]).map(
    (n) => n.metadata.name as string,
  );
  assert.ok(nodes.length >= 3, 'the fake nodes');
  const pods = await releasePods();
  for (const c of ['agent', 'metrics']) {
    const on = pods.filter((x) => component(x) === c && ready(x)).map((x) => x.spec.nodeName as string);
    assert.deepEqual(on.sort(), [...nodes].sort(), `one Ready ${c} pod on every node`);
  }
  for (const [c, n] of [
    ['operator', 2],
    ['transfer', 2],
    ['console', 1],
  ] as const) {
    const mine = pods.filter((x) => component(x) === c);
    assert.equal(mine.filter(ready).length, n, `${n} Ready ${c} pods`);
  }
  // The pods run as the chart says: the agent's token is its ServiceAccount's, the transfer's
  // pods get no token at all.
  const agentPod = pods.find((x) => component(x) === 'agent')!;
  assert.equal(agentPod.spec.serviceAccountName, `${FULL}-agent`);
  assert.equal(agentPod.spec.priorityClassName, `${FULL}-agent`, "the release's own PriorityClass");
  const transferPod = pods.find((x) => component(x) === 'transfer')!;
  assert.equal(transferPod.spec.automountServiceAccountToken, false);
  assert.ok(
    !(transferPod.spec.volumes as Obj[]).some((v) => v.projected),
    'no service account token volume in a transfer pod',
  );
});

interface Snapshot {
  pods: Map<string, string[]>;
  generation: Map<string, number>;
  configMaps: Map<string, string>;
}

async function snapshot(): Promise<Snapshot> {
  const pods = new Map<string, string[]>();
  for (const x of await releasePods()) {
    if (x.metadata.deletionTimestamp) continue;
    pods.set(component(x), [...(pods.get(component(x)) ?? []), x.metadata.uid as string].sort());
  }
  const generation = new Map<string, number>();
  for (const [kind, name] of WORKLOADS)
    generation.set(name, (await getJson(['get', '-n', NS, `${kind}/${name}`])).metadata.generation as number);
  const configMaps = new Map<string, string>();
  for (const cm of (await getJson(['get', 'configmaps', '-n', NS, '-l', INSTANCE])).items as Obj[])
    configMaps.set(cm.metadata.name as string, cm.metadata.resourceVersion as string);
  return { pods, generation, configMaps };
}

test('helm upgrade with a changed transfer setting rolls the transfer pods and no others', async () => {
  const before = await snapshot();
  const oldRs = (await releasePods())
    .filter((x) => component(x) === 'transfer')
    .map((x) => x.metadata.labels['pod-template-hash'] as string);
  assert.equal(new Set(oldRs).size, 1, 'the transfer pods come from one ReplicaSet');

  await helmOk([
    'upgrade',
    RELEASE,
    CHART,
    '-n',
    NS,
    '-f',
    valuesFile,
    '--set',
    'transfer.config.transfer.bulkDocs=500',
    '--wait',
    '--timeout',
    '5m',
  ]);
  const cm = await getJson(['get', 'configmap', '-n', NS, `${FULL}-transfer`]);
  assert.match(cm.data['config.yaml'], /bulkDocs: 500/);

  // The transfer: a new ReplicaSet, two new Ready pods, the old ones gone.
  await kubectlOk(['rollout', 'status', '-n', NS, `deployment/${FULL}-transfer`, '--timeout=180s']);
  const fresh = await waitFor(
    'the old transfer pods gone and two new ones Ready',
    async () => {
      const t = (await releasePods()).filter((x) => component(x) === 'transfer');
      return (
        t.length === 2 && t.every((x) => ready(x) && x.metadata.labels['pod-template-hash'] !== oldRs[0]) && t
      );
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
  for (const x of fresh) assert.ok(!before.pods.get('transfer')!.includes(x.metadata.uid), 'a new pod');

  const after = await snapshot();
  assert.equal(
    after.generation.get(`${FULL}-transfer`),
    before.generation.get(`${FULL}-transfer`)! + 1,
    "the transfer's pod template changed once",
  );
  for (const [kind, name] of WORKLOADS) {
    if (name === `${FULL}-transfer`) continue;
    assert.equal(after.generation.get(name), before.generation.get(name), `${kind}/${name} spec unchanged`);
  }
  for (const c of ['operator', 'console', 'agent', 'metrics'])
    assert.deepEqual(after.pods.get(c), before.pods.get(c), `the ${c} pods are the same pods`);
  for (const [name, rv] of before.configMaps) {
    if (name === `${FULL}-transfer`) continue;
    assert.equal(after.configMaps.get(name), rv, `ConfigMap ${name} not rewritten`);
  }
});

/** What the chart gave a workload's container: its env (plain values) and its config file. */
async function chartSettings(kind: string, name: string, file: string): Promise<Record<string, string>> {
  const w = await getJson(['get', '-n', NS, `${kind}/${name}`]);
  const [container] = w.spec.template.spec.containers as Obj[];
  const env: Record<string, string> = {};
  for (const e of container!.env as Obj[]) if (typeof e.value === 'string') env[e.name] = e.value;
  assert.equal(env['LCS_CONFIG'], '/etc/lcs/config.yaml', `${name} reads the ConfigMap's file`);
  const cm = await getJson(['get', 'configmap', '-n', NS, name]);
  writeFileSync(file, cm.data['config.yaml']);
  return {
    ...env,
    LCS_CONFIG: file,
    // The pod listens on 0.0.0.0:9400; here three processes share one host.
    LCS_HTTP_LISTEN: '127.0.0.1:0',
  };
}

const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '000000Z');

test("the operator, agent and transfer with the chart's settings and ServiceAccount tokens: a LogCollection's lines reach Elasticsearch", async () => {
  const opEnv = await chartSettings('deployment', `${FULL}-operator`, join(p.dir, 'operator.yaml'));
  const agentEnv = await chartSettings('daemonset', `${FULL}-agent`, join(p.dir, 'agent.yaml'));
  const transferEnv = await chartSettings('deployment', `${FULL}-transfer`, join(p.dir, 'transfer.yaml'));
  assert.equal(opEnv['LCS_ETCD_ENDPOINTS'], `http://127.0.0.1:${port('etcd')}`);
  assert.equal(transferEnv['LCS_ELASTICSEARCH_URL'], `http://127.0.0.1:${port('elasticsearch')}`);

  // The tokens of the chart's ServiceAccounts; the transfer's has no binding and gets no token.
  const opKube = await serviceAccountKubeconfig(`${FULL}-operator`, NS);
  const agentKube = await serviceAccountKubeconfig(`${FULL}-agent`, NS);
  const sa = await getJson(['get', 'serviceaccount', '-n', NS, `${FULL}-transfer`]);
  assert.equal(sa.automountServiceAccountToken, false);

  procs.push(
    startLcs('operator', [], {
      env: { ...opEnv, LCS_KUBECONFIG: opKube.file, LCS_LEADER_IDENTITY: `chart-${p.id}` },
      logDir: p.logDir,
      name: 'operator',
    }),
  );
  // The pod's hostPath mounts (/var/log, /var/lib/lcs/agent) are folders of the test here.
  procs.push(
    startLcs('agent', [], {
      env: {
        ...agentEnv,
        LCS_KUBECONFIG: agentKube.file,
        LCS_NODE_NAME: NODE,
        LCS_STATE_DIR: p.stateDir,
        LCS_ALLOWED_ROOTS: p.dir,
        LCS_POD_LOG_ROOT: podRoot,
        LCS_STATUS_INTERVAL: '500ms',
      },
      logDir: p.logDir,
      name: 'agent',
    }),
  );
  procs.push(
    startLcs('transfer', [], {
      env: { ...transferEnv, LCS_TRANSFER_MEMBER: `chart-${p.id}` },
      logDir: p.logDir,
      name: 'transfer',
    }),
  );
  const [operator, agent, transfer] = procs as [LcsProcess, LcsProcess, LcsProcess];

  await kubectlOk(['apply', '-f', '-'], { input: COLLECTION });
  await kubectlOk(['apply', '-f', '-'], { input: APP });
  const entry = await waitFor(
    'the collect entry in etcd',
    async () => ((await etcd.get(k8sEntryKey(APP_NS, LC)).json()) as Obj | null) ?? undefined,
    { timeoutMs: 60_000 },
  );
  assert.equal(entry.topic, TOPIC);
  await waitForTransferTopic(etcd, TOPIC, 60_000);

  const pod = await waitFor(
    'the web pod Running on the node',
    async () => {
      const items = (await getJson(['get', 'pods', '-n', APP_NS, '-l', 'app=chart-web'])).items as Obj[];
      return items.length === 1 && items[0]!.status?.phase === 'Running' && items[0]!;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  assert.equal(pod.spec.nodeName, NODE);
  const dir = join(podRoot, `${APP_NS}_${pod.metadata.name}_${pod.metadata.uid}`, 'app');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, '0.log');
  const messages = Array.from({ length: 40 }, (_, i) => `${p.id} chart event ${i}`);
  writeFileSync(file, messages.map((m) => `${stamp(Date.now())} stdout F ${m}\n`).join(''));

  await waitFor(
    `${messages.length} events in ${INDEX}-*`,
    async () => (await count(`${INDEX}-*`)) >= messages.length,
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  await waitFor('the agent caught up', async () =>
    (await agentStatus())?.tailers.every((t) => t.lagBytes === 0 && t.offset === t.size),
  );
  const docs = await allDocs<{ message: string; kubernetes: { pod: { name: string } } }>(`${INDEX}-*`);
  assert.deepEqual(docs.map((d) => d.message).sort(), [...messages].sort(), 'every line, once');
  for (const d of docs) assert.equal(d.kubernetes.pod.name, pod.metadata.name);

  // The chart's RBAC was enough: no component met a refusal.
  for (const [name, proc] of [
    ['operator', operator],
    ['agent', agent],
    ['transfer', transfer],
  ] as const)
    assert.doesNotMatch(proc.logs(), /forbidden|\b403\b|\b401\b/i, `${name} log: ${proc.logFile}`);

  await kubectlOk(['delete', '-f', '-', '--wait=true', '--timeout=60s'], { input: COLLECTION });
  await kubectlOk(['delete', '-n', APP_NS, 'deployment/web', '--ignore-not-found']);
  await Promise.all(procs.splice(0).map((x) => x.stop()));
});

test('the trial beside it: a second release with every engine bundled, its StatefulSets on static volumes', async () => {
  await kubectlOk(['apply', '-f', '-'], { input: trialVolumes() });
  const out = await helmOk([
    'install',
    TRIAL,
    CHART,
    '-n',
    TRIAL_NS,
    '-f',
    join(CHART, 'ci', 'trial.yaml'),
    // Metrics runs on the host's network: the first release holds 9400 on every node (the
    // scheduler leaves a second DaemonSet on the same port Pending: "didn't have free ports").
    '--set',
    'metrics.httpPort=9401',
    '--wait',
    '--timeout',
    '5m',
  ]);
  assert.match(out, /STATUS: deployed/);
  for (const [engine] of TRIAL_CLAIMS)
    await kubectlOk([
      'rollout',
      'status',
      '-n',
      TRIAL_NS,
      `statefulset/${TRIAL_FULL}-${engine}`,
      '--timeout=180s',
    ]);
  for (const d of ['kibana', 'grafana', 'operator', 'transfer', 'console'])
    await kubectlOk(['rollout', 'status', '-n', TRIAL_NS, `deployment/${TRIAL_FULL}-${d}`, '--timeout=180s']);
  for (const ds of ['agent', 'metrics'])
    await kubectlOk(['rollout', 'status', '-n', TRIAL_NS, `daemonset/${TRIAL_FULL}-${ds}`, '--timeout=180s']);
  const claims = (await getJson(['get', 'pvc', '-n', TRIAL_NS])).items as Obj[];
  assert.deepEqual(
    claims.map((c) => `${c.metadata.name} ${c.status.phase} ${c.spec.volumeName}`).sort(),
    TRIAL_CLAIMS.map(([e]) => `data-${TRIAL_FULL}-${e}-0 Bound ${TRIAL_FULL}-${e}`).sort(),
  );
  // Both releases' cluster-wide objects exist side by side (named by release).
  for (const f of [FULL, TRIAL_FULL])
    for (const n of [`clusterrole/${f}-agent`, `clusterrole/${f}-operator`, `priorityclass/${f}-agent`])
      await kubectlOk(['get', n]);
});

test('helm uninstall leaves nothing of either release but the CRD', async () => {
  const types = await listableTypes();
  assert.ok(types.includes('clusterroles.rbac.authorization.k8s.io') && types.includes('pods'));
  const before = await labelled(types);
  for (const kind of ['ClusterRole/', 'PriorityClass/', 'PersistentVolumeClaim/', 'StatefulSet/', 'Pod/'])
    assert.ok(
      before.some((x) => x.startsWith(kind)),
      `the label search finds the installed ${kind.slice(0, -1)}s`,
    );

  await helmOk(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '3m']);
  await helmOk(['uninstall', TRIAL, '-n', TRIAL_NS, '--wait', '--timeout', '3m']);
  // Pods go when kwok has deleted them, the claims when the garbage collector follows the
  // StatefulSets (persistentVolumeClaimRetentionPolicy): wait for what is gone.
  await waitFor('nothing labelled with either release', async () => (await labelled(types)).length === 0, {
    timeoutMs: 180_000,
    intervalMs: 2000,
  }).catch(async (e: Error) => {
    throw new Error(`${e.message}; left: ${(await labelled(types)).join(', ')}`);
  });
  // The cluster-scoped objects by name too (not in any release namespace).
  for (const f of [FULL, TRIAL_FULL])
    for (const n of [`clusterrole/${f}-agent`, `clusterrole/${f}-operator`, `priorityclass/${f}-agent`]) {
      const r = await kubectl(['get', n]);
      assert.notEqual(r.code, 0, `${n} deleted`);
    }
  assert.deepEqual((await getJson(['get', 'pvc', '-n', TRIAL_NS])).items, [], "the trial's claims deleted");
  // What stays, as docs/chart.md says: the CRD (and with it the LogCollections users made).
  await kubectlOk(['get', `crd/${CRD_NAME}`]);
  assert.notEqual((await helm(['status', RELEASE, '-n', NS])).code, 0, 'no release left');
  assert.notEqual((await helm(['status', TRIAL, '-n', TRIAL_NS])).code, 0, 'no trial left');
});
