// Tests against the real local control plane (the `kube` service, deploy/local/kube.ts):
// the real kubectl, the admin kubeconfig, the CRD and RBAC manifests applied, namespaces, and
// service-account kubeconfigs so a component runs with its own token, not the admin's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { cacheDir, port, REPO_ROOT } from '../../deploy/local/layout.ts';
import { kubeTools } from '../../deploy/local/kube-build.ts';
import { kubeFiles } from '../../deploy/local/kube.ts';

export const KUBE_SERVER = `https://127.0.0.1:${port('kube')}`;
export const files = kubeFiles();
export const tools = kubeTools(cacheDir());
export const ADMIN_KUBECONFIG = files.kubeconfig('admin');
export const CRD = path.join(REPO_ROOT, 'crds', 'logcollections.lcs.dev.yaml');
export const EXAMPLES = path.join(REPO_ROOT, 'crds', 'examples');
export const MANIFESTS = path.join(REPO_ROOT, 'deploy', 'kubernetes');
export const SYSTEM_NS = 'lcs-system';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real kubectl 1.35 with the admin kubeconfig (or `kubeconfig`), optional stdin. */
export function kubectl(
  args: readonly string[],
  opts: { input?: string; kubeconfig?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tools.kubectl, [`--kubeconfig=${opts.kubeconfig ?? ADMIN_KUBECONFIG}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** kubectl that must succeed; its stdout. */
export async function kubectlOk(args: readonly string[], opts: { input?: string; kubeconfig?: string } = {}) {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `kubectl get` output as rows of column → cell, cut at the header's column starts (cells may be empty). */
export function table(out: string): Record<string, string>[] {
  const [header = '', ...rows] = out.trimEnd().split('\n');
  const starts = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  return rows.map((r) =>
    Object.fromEntries(starts.map((c, i) => [c.name, r.slice(c.at, starts[i + 1]?.at).trim()])),
  );
}

/** The CRD, the namespace and the RBAC manifests, as a user would apply them; waits for the CRD. */
export async function applyBase(): Promise<void> {
  await kubectlOk(['apply', '-f', CRD, '-f', MANIFESTS]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/logcollections.lcs.dev']);
}

export async function ensureNamespace(ns: string): Promise<void> {
  const yaml = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`;
  await kubectlOk(['apply', '-f', '-'], { input: yaml });
}

/** Removes every LogCollection in `namespaces` (finalizers too, so no operator is needed). */
export async function clearLogCollections(namespaces: readonly string[]): Promise<void> {
  for (const ns of namespaces) {
    const names = (await kubectlOk(['get', 'lc', '-n', ns, '-o', 'name'])).split('\n').filter(Boolean);
    for (const n of names) {
      await kubectl(['patch', '-n', ns, n, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
      await kubectl(['delete', '-n', ns, n, '--ignore-not-found', '--wait=true']);
    }
  }
}

/** A kubeconfig carrying a fresh token of ServiceAccount `sa` in lcs-system (TokenRequest). */
export async function serviceAccountKubeconfig(sa: string): Promise<{ file: string; kc: KubeConfig }> {
  const token = (await kubectlOk(['create', 'token', sa, '-n', SYSTEM_NS, '--duration=2h'])).trim();
  const text = `apiVersion: v1
kind: Config
clusters:
- name: lcs-local
  cluster:
    server: ${KUBE_SERVER}
    certificate-authority: ${path.join(files.pki, 'ca.crt')}
users:
- name: ${sa}
  user:
    token: ${token}
contexts:
- name: ${sa}
  context: { cluster: lcs-local, user: ${sa} }
current-context: ${sa}
`;
  const file = path.join(files.dir, `sa-${sa}.kubeconfig`);
  fs.writeFileSync(file, text, { mode: 0o600 });
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return { file, kc };
}

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(ADMIN_KUBECONFIG);
  return kc;
}

/** Audit events (the policy records LogCollection writes only), newest last. */
export interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: { namespace?: string; name?: string; resource?: string; subresource?: string };
  responseStatus?: { code?: number };
  stage: string;
}

export function auditEvents(): AuditEvent[] {
  let text = '';
  try {
    text = fs.readFileSync(files.auditLog, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.stage === 'ResponseComplete');
}

/** Successful writes to one LogCollection's status (what "status written only on change" counts). */
export function statusWrites(ns: string, name: string): number {
  return auditEvents().filter(
    (e) =>
      e.objectRef?.namespace === ns &&
      e.objectRef.name === name &&
      e.objectRef.subresource === 'status' &&
      (e.responseStatus?.code ?? 0) < 300,
  ).length;
}
