// A real Kubernetes control plane on one machine, without a container runtime: its own etcd,
// kube-apiserver (TLS, RBAC+Node authorization, service-account tokens, an audit log of
// LogCollection writes), kube-controller-manager, kube-scheduler, and kwok playing the
// kubelet of a few fake nodes, so Deployments and DaemonSets get pods that are scheduled and
// reported Running. One bash supervisor runs them as one process group (see kube-run.ts).
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { HOST, servicePaths } from './layout.ts';
import type { Env } from './layout.ts';
import { ServiceError } from './errors.ts';
import { etcdArgs } from './etcd.ts';
import { ETCD_VERSION, ensureKubeTools, kubeTools, type KubeTools } from './kube-build.ts';
import { CLIENTS, SERVICE_CIDR, ensurePki, renderKubeconfig } from './kube-pki.ts';
import { renderSupervisor, type Component } from './kube-run.ts';
import type { ServiceContext, ServiceDef } from './service.ts';

/** Every port follows the API server's: etcd client +1 (peer +2), controller-manager +3, scheduler +4, kwok +5. */
export function kubePorts(apiserver: number) {
  return {
    apiserver,
    etcd: apiserver + 1,
    controllerManager: apiserver + 3,
    scheduler: apiserver + 4,
    kwok: apiserver + 5,
  };
}

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export function kubeNodeCount(env: Env): number {
  const raw = env.LCS_KUBE_NODES || '3';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 50) {
    throw new ServiceError('bad-config', `LCS_KUBE_NODES=${raw} is not a node count (1-50)`);
  }
  return n;
}

export const nodeName = (i: number): string => `kwok-node-${i}`;

/** Fake nodes for kwok: the annotation is what kwok manages; no taint, so plain pods land on them. */
export function renderNodes(count: number): string {
  const nodes = Array.from({ length: count }, (_, i) => {
    const name = nodeName(i);
    return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    type: kwok
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110" }`;
  });
  return nodes.join('\n---\n') + '\n';
}

/** A write to a ConfigMap here is audited too: tests use one as a marker to know the log caught up. */
export const AUDIT_MARKER_NAMESPACE = 'lcs-audit';

/**
 * Writes to LogCollections (and their status) at Metadata level, nothing else: the operator
 * tests count status writes here, and the log stays small.
 */
export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create, update, patch, delete]
  resources:
  - group: lcs.dev
    resources: [logcollections, logcollections/status]
- level: Metadata
  verbs: [create, update, patch]
  namespaces: [${AUDIT_MARKER_NAMESPACE}]
  resources:
  - group: ""
    resources: [configmaps]
- level: None
`;

export interface KubeFiles {
  dir: string;
  pki: string;
  logs: string;
  auditLog: string;
  kubeconfig: (client: string) => string;
}

export function kubeFiles(env: Env = process.env): KubeFiles {
  const dir = servicePaths('kube', env).dir;
  return {
    dir,
    pki: path.join(dir, 'pki'),
    logs: path.join(dir, 'logs'),
    auditLog: path.join(dir, 'logs', 'audit.log'),
    kubeconfig: (client) => path.join(dir, `${client}.kubeconfig`),
  };
}

export function components(t: KubeTools, f: KubeFiles, port: number, data: string): Component[] {
  const p = kubePorts(port);
  const pki = (name: string) => path.join(f.pki, name);
  const client = (name: string) => [
    `--kubeconfig=${f.kubeconfig(name)}`,
    `--authentication-kubeconfig=${f.kubeconfig(name)}`,
    `--authorization-kubeconfig=${f.kubeconfig(name)}`,
  ];
  return [
    {
      name: 'etcd',
      command: t.etcd,
      args: etcdArgs(path.join(data, 'etcd'), p.etcd),
      stopsLast: true,
    },
    {
      name: 'kube-apiserver',
      command: t.apiserver,
      args: [
        `--etcd-servers=http://${HOST}:${p.etcd}`,
        `--bind-address=${HOST}`,
        `--advertise-address=${HOST}`,
        `--secure-port=${p.apiserver}`,
        `--tls-cert-file=${pki('apiserver.crt')}`,
        `--tls-private-key-file=${pki('apiserver.key')}`,
        `--client-ca-file=${pki('ca.crt')}`,
        '--authorization-mode=RBAC,Node',
        '--enable-admission-plugins=NodeRestriction',
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${pki('sa.pub')}`,
        `--service-account-signing-key-file=${pki('sa.key')}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        `--audit-policy-file=${path.join(f.dir, 'audit-policy.yaml')}`,
        `--audit-log-path=${f.auditLog}`,
        '--audit-log-maxsize=50',
        '--audit-log-maxbackup=2',
        '--profiling=false',
      ],
    },
    {
      name: 'kube-controller-manager',
      command: t.controllerManager,
      args: [
        ...client('controller-manager'),
        `--bind-address=${HOST}`,
        `--secure-port=${p.controllerManager}`,
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${pki('sa.key')}`,
        `--root-ca-file=${pki('ca.crt')}`,
        `--cluster-signing-cert-file=${pki('ca.crt')}`,
        `--cluster-signing-key-file=${pki('ca.key')}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--profiling=false',
      ],
      afterReady: true,
    },
    {
      name: 'kube-scheduler',
      command: t.scheduler,
      args: [
        ...client('scheduler'),
        `--bind-address=${HOST}`,
        `--secure-port=${p.scheduler}`,
        '--leader-elect=false',
      ],
      afterReady: true,
    },
    {
      name: 'kwok',
      command: t.kwok,
      args: [
        `--config=${t.kwokStages}`,
        `--kubeconfig=${f.kubeconfig('kwok')}`,
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        // Heartbeat through node Leases (renewed every 10 s), as kwokctl does. Without it no
        // Lease exists, node status was patched only every ~80 s here, so the node-lifecycle
        // controller (50 s grace) flapped the nodes NotReady and set their pods Ready=False,
        // which kwok never undoes: Deployments and DaemonSets then never count as rolled out.
        '--node-lease-duration-seconds=40',
        '--cidr=10.244.0.0/16',
        `--node-ip=${HOST}`,
        `--node-port=${p.kwok}`,
        `--server-address=${HOST}:${p.kwok}`,
      ],
      afterReady: true,
    },
  ];
}

function get(url: string, f: KubeFiles): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        ca: fs.readFileSync(path.join(f.pki, 'ca.crt')),
        cert: fs.readFileSync(path.join(f.pki, 'admin.crt')),
        key: fs.readFileSync(path.join(f.pki, 'admin.key')),
        timeout: 3_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

/**
 * etcd cannot open a data dir two minors older (the 3.4 of earlier versions of this service):
 * such a cluster state is dropped, the PKI kept, and the next start is an empty cluster.
 * `<data>/etcd.version` records which etcd wrote `<data>/etcd`.
 */
export function resetEtcdFromOtherMinor(data: string, log: (line: string) => void): void {
  const dir = path.join(data, 'etcd');
  const marker = path.join(data, 'etcd.version');
  const minor = (v: string) => v.split('.').slice(0, 2).join('.');
  const was = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '3.4 (Debian)';
  if (fs.existsSync(dir) && minor(was) !== minor(ETCD_VERSION)) {
    log(
      `kube: its etcd data was written by etcd ${was}, which ${ETCD_VERSION} cannot open: starting an empty cluster`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(marker, ETCD_VERSION + '\n');
}

/** Healthy = the API server is ready and every fake node is Ready (kwok is up and heartbeating). */
export async function kubeProbe(port: number, env: Env): Promise<boolean> {
  const f = kubeFiles(env);
  try {
    const ready = await get(`https://${HOST}:${port}/readyz`, f);
    if (ready.status !== 200) return false;
    const nodes = await get(`https://${HOST}:${port}/api/v1/nodes?labelSelector=type%3Dkwok`, f);
    if (nodes.status !== 200) return false;
    const list = JSON.parse(nodes.body) as NodeList;
    const readyNodes = list.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    return readyNodes.length >= kubeNodeCount(env);
  } catch {
    return false;
  }
}

export const kube: ServiceDef = {
  name: 'kube',
  endpoint: (host, port) => `https://${host}:${port}`,
  packages: [
    { name: 'openssl', provides: '/usr/bin/openssl' },
    { name: 'unzip', provides: '/usr/bin/unzip' },
  ],
  async install(ctx) {
    await ensureKubeTools(ctx.cache, ctx.env, ctx.log);
  },
  async prepare(ctx: ServiceContext) {
    const tools = kubeTools(ctx.cache, ctx.env);
    const f = kubeFiles(ctx.env);
    await ensurePki(f.pki);
    resetEtcdFromOtherMinor(ctx.paths.data, ctx.log);
    const server = `https://${HOST}:${ctx.port}`;
    for (const c of CLIENTS) fs.writeFileSync(f.kubeconfig(c.name), renderKubeconfig(server, f.pki, c.name));
    fs.writeFileSync(path.join(f.dir, 'audit-policy.yaml'), AUDIT_POLICY);
    const nodes = path.join(f.dir, 'nodes.yaml');
    fs.writeFileSync(nodes, renderNodes(kubeNodeCount(ctx.env)));
    fs.mkdirSync(f.logs, { recursive: true });
    const script = path.join(f.dir, 'run.sh');
    fs.writeFileSync(
      script,
      renderSupervisor({
        logs: f.logs,
        components: components(tools, f, ctx.port, ctx.paths.data),
        readyCheck: [tools.kubectl, `--kubeconfig=${f.kubeconfig('admin')}`, 'get', '--raw=/readyz'],
        afterReady: [tools.kubectl, `--kubeconfig=${f.kubeconfig('admin')}`, 'apply', '-f', nodes],
      }),
      { mode: 0o755 },
    );
    return { command: '/bin/bash', args: [script] };
  },
  probe: (ctx) => kubeProbe(ctx.port, ctx.env),
  startTimeoutMs: 180_000,
  // The supervisor gives the others 20 s, then stops etcd.
  stopGraceMs: 30_000,
  hint:
    'each component logs to logs/<component>.log beside this log; `npm run services:down -- --purge kube` starts ' +
    'over with a fresh etcd and PKI (the built binaries stay in ~/.cache/lcs/kube)',
};
