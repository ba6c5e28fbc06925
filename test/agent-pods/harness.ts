// A node's worth of pods for the pods-source tests: the API-server double with pods on two
// nodes in two namespaces, a fake kubelet log directory (a fresh folder under logs/) holding
// their log files, and a PodResolver for node-a running the agent's Kubernetes client against it.

import { glob, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { kubeconfigAccess, type KubeAccess } from '../../agent/pods/kube-api.ts';
import { silentLogger } from '../../common/observe/logger.ts';
import { PodResolver, type PodResolverOptions } from '../../agent/pods/resolver.ts';
import type { PodLogTarget, PodsSource } from '../../agent/pods/targets.ts';
import { KubeApiDouble } from '../support/kube/server.ts';
import { putPod, type TestPod } from '../support/kube/pods.ts';

export const NODE = 'node-a';

export const INITIAL: TestPod[] = [
  {
    namespace: 'shop',
    name: 'web-1',
    node: NODE,
    labels: { app: 'web', tier: 'front' },
    containers: ['app', 'proxy'],
  },
  { namespace: 'shop', name: 'api-1', node: NODE, labels: { app: 'api', tier: 'back' }, containers: ['app'] },
  {
    namespace: 'shop',
    name: 'web-2',
    node: 'node-b',
    labels: { app: 'web', tier: 'front' },
    containers: ['app'],
  },
  {
    namespace: 'bank',
    name: 'web-1',
    node: NODE,
    labels: { app: 'web', tier: 'front' },
    containers: ['app'],
  },
];

export interface Harness {
  api: KubeApiDouble;
  kube: KubeAccess;
  root: string;
  resolver: PodResolver;
  /** Creates the pod in the API and its kubelet log files (0.log, 1.log, a rotated one). */
  addPod(p: TestPod): Promise<string>;
  /** Every onChange call of a subscription, in order. */
  watch(source: PodsSource): PodLogTarget[][];
  close(): Promise<void>;
}

const repo = resolve(import.meta.dirname, '../..');

export async function startHarness(opts: Partial<PodResolverOptions> = {}, start = true): Promise<Harness> {
  const api = await new KubeApiDouble().start();
  const kube = kubeconfigAccess(api.kubeconfig(), 'the API-server double');
  const root = join(repo, 'logs', `agent-pods-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  await mkdir(root, { recursive: true });
  const addPod = async (p: TestPod) => {
    const uid = putPod(api.store, p).metadata.uid!;
    for (const c of [...(p.initContainers ?? []), ...p.containers]) {
      const dir = join(root, `${p.namespace}_${p.name}_${uid}`, c);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, '0.log'), `${p.name} ${c} first\n`);
      await writeFile(join(dir, '1.log'), `${p.name} ${c} after a restart\n`);
      await writeFile(join(dir, '0.log.20250101-000000'), 'rotated\n');
    }
    return uid;
  };
  for (const p of INITIAL) await addPod(p);
  const resolver = new PodResolver({
    kube,
    node: NODE,
    logRoot: root,
    logger: silentLogger,
    retryMinMs: 50,
    retryMaxMs: 200,
    ...opts,
  });
  if (start) await resolver.start();
  return {
    api,
    kube,
    root,
    resolver,
    addPod,
    watch(source) {
      const seen: PodLogTarget[][] = [];
      resolver.subscribe(source, (t) => seen.push(t));
      return seen;
    },
    async close() {
      await resolver.stop();
      await api.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** "namespace/pod/container" of each target. */
export const ids = (targets: PodLogTarget[] | undefined): string[] =>
  (targets ?? []).map((t) => `${t.kubernetes.namespace}/${t.kubernetes.pod}/${t.kubernetes.container}`);

/** The files the targets' globs match, relative to the kubelet root. */
export async function expand(root: string, targets: PodLogTarget[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) for await (const f of glob(t.glob)) out.push(f.slice(root.length + 1));
  return out.sort();
}

/** Lists (not watches) of pods the double answered successfully. */
export const podLists = (api: KubeApiDouble) =>
  api.requests.filter((r) => r.path === '/api/v1/pods' && !r.watch && r.status === 200).length;
