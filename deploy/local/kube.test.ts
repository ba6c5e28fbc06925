// Unit tests for the pure parts of the kube service: the build module, the PKI subjects, the
// ports and nodes, and the supervisor script (bash -n checks that it parses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ServiceError } from './errors.ts';
import { port } from './layout.ts';
import {
  ETCD_MAIN,
  ETCD_VERSION,
  GO_SDK_BIN,
  KUBE_VERSION,
  goEnv,
  kubeTools,
  renderBuildGoMod,
  renderEtcdGoMod,
  stagingModules,
  versionLdflags,
} from './kube-build.ts';
import { subject } from './kube-pki.ts';
import {
  components,
  kubeFiles,
  kubeNodeCount,
  kubePorts,
  renderNodes,
  resetEtcdFromOtherMinor,
} from './kube.ts';
import { renderSupervisor, shellQuote } from './kube-run.ts';

const K8S_GO_MOD = `module k8s.io/kubernetes

require (
	k8s.io/api v0.0.0
	github.com/x/y v1.2.3
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apiserver => ./staging/src/k8s.io/apiserver
	github.com/x/y => github.com/x/y v1.2.4
)
replace k8s.io/kms => ./staging/src/k8s.io/kms
`;

test('the build module pins every staging module of k8s.io/kubernetes to v0.<minor>.<patch>', () => {
  const modules = stagingModules(K8S_GO_MOD);
  assert.deepEqual(modules, ['k8s.io/api', 'k8s.io/apiserver', 'k8s.io/kms']);
  const mod = renderBuildGoMod('1.35.4', modules);
  assert.match(mod, /^require k8s\.io\/kubernetes v1\.35\.4$/m);
  assert.match(mod, /^\tk8s\.io\/apiserver => k8s\.io\/apiserver v0\.35\.4$/m);
  assert.doesNotMatch(mod, /github\.com/);
});

test('the binaries are stamped with their release and stripped', () => {
  const flags = versionLdflags('1.35.4');
  assert.match(flags, /-X k8s\.io\/component-base\/version\.gitVersion=v1\.35\.4/);
  assert.match(flags, /gitMinor=35/);
  assert.match(flags, /^-s -w /);
});

test('tools are cached by version under the cache dir', () => {
  const t = kubeTools('/c', {});
  assert.equal(t.apiserver, `/c/kube/v${KUBE_VERSION}/bin/kube-apiserver`);
  assert.equal(
    kubeTools('/c', { LCS_KUBE_VERSION: '1.36.0' }).scheduler,
    '/c/kube/v1.36.0/bin/kube-scheduler',
  );
  assert.match(t.kubectl, /^\/c\/kube\/kubectl-[\d.]+\/layer\/kubectl\/kubectl$/);
});

test('go runs with its caches under the kube cache and finds the machine SDK when PATH lacks it', () => {
  const e = goEnv('/c/kube', { PATH: '/usr/bin:/bin', HOME: '/h' });
  assert.equal(e.GOCACHE, '/c/kube/gocache');
  assert.equal(e.GOMODCACHE, '/c/kube/gomod');
  assert.equal(e.GOTOOLCHAIN, 'local');
  assert.equal(e.PATH, `/usr/bin:/bin:${GO_SDK_BIN}`);
  assert.equal(e.HOME, '/h');
  const already = `${GO_SDK_BIN}:/usr/bin`;
  assert.equal(goEnv('/c/kube', { PATH: already }).PATH, already);
});

test('certificate subjects put groups in O= and refuse a slash', () => {
  assert.equal(subject('lcs-admin', ['system:masters']), '/O=system:masters/CN=lcs-admin');
  assert.throws(
    () => subject('a/b'),
    (e: unknown) => e instanceof ServiceError && e.code === 'bad-config',
  );
});

test('the control plane ports follow the API server port, which defaults to 6443', () => {
  assert.equal(port('kube', {}), 6443);
  assert.deepEqual(kubePorts(25443), {
    apiserver: 25443,
    etcd: 25444,
    controllerManager: 25446,
    scheduler: 25447,
    kwok: 25448,
  });
});

test('nodes are kwok-managed, untainted and sized for many pods', () => {
  const docs = parseAllDocuments(renderNodes(3)).map((d) => d.toJS());
  assert.deepEqual(
    docs.map((d) => d.metadata.name),
    ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'],
  );
  for (const d of docs) {
    assert.equal(d.metadata.annotations['kwok.x-k8s.io/node'], 'fake');
    assert.equal(d.spec, undefined);
    assert.equal(d.status.allocatable.pods, '110');
  }
  assert.equal(kubeNodeCount({}), 3);
  assert.throws(() => kubeNodeCount({ LCS_KUBE_NODES: '0' }), /LCS_KUBE_NODES=0/);
});

test('the API server authorizes with RBAC and Node and issues service-account tokens', () => {
  const t = kubeTools('/c', {});
  const f = kubeFiles({ LCS_SERVICES_DIR: '/s' });
  const all = components(t, f, 25443, '/s/kube/data');
  const api = all.find((c) => c.name === 'kube-apiserver');
  assert.ok(api);
  assert.ok(api.args.includes('--authorization-mode=RBAC,Node'));
  assert.ok(api.args.includes('--etcd-servers=http://127.0.0.1:25444'));
  assert.ok(api.args.some((a) => a.startsWith('--service-account-signing-key-file=/s/kube/pki/')));
  assert.ok(api.args.includes('--audit-log-path=/s/kube/logs/audit.log'));
  assert.deepEqual(
    all.filter((c) => !c.afterReady).map((c) => c.name),
    ['etcd', 'kube-apiserver'],
  );
  // Nothing listens on the default component ports, which other instances may hold.
  for (const c of all)
    for (const a of c.args) if (a.startsWith('--secure-port=')) assert.doesNotMatch(a, /=1025[79]$/);
});

test("the control plane's etcd is the 3.6 built into the cache, and kwok heartbeats through node Leases", () => {
  const t = kubeTools('/c', {});
  assert.equal(t.etcd, `/c/kube/etcd-v${ETCD_VERSION}/bin/etcd`);
  assert.match(ETCD_VERSION, /^3\.6\.\d+$/);
  assert.match(
    renderEtcdGoMod(ETCD_VERSION),
    new RegExp(`require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}`),
  );
  assert.match(ETCD_MAIN, /etcdmain\.Main\(os\.Args\)/);
  const all = components(t, kubeFiles({ LCS_SERVICES_DIR: '/s' }), 25443, '/s/kube/data');
  assert.equal(all.find((c) => c.name === 'etcd')?.command, t.etcd);
  assert.ok(all.find((c) => c.name === 'kwok')?.args.includes('--node-lease-duration-seconds=40'));
});

test("a data dir written by Debian's etcd 3.4 is dropped; one of the same minor is kept", () => {
  const lines: string[] = [];
  const old = mkdtempSync(join(tmpdir(), 'kube-etcd-'));
  mkdirSync(join(old, 'etcd', 'member'), { recursive: true });
  resetEtcdFromOtherMinor(old, (l) => lines.push(l));
  assert.ok(!existsSync(join(old, 'etcd')), 'the 3.4 data removed');
  assert.match(lines.join('\n'), /written by etcd 3\.4 \(Debian\), which 3\.6\.\d+ cannot open/);
  assert.equal(readFileSync(join(old, 'etcd.version'), 'utf8').trim(), ETCD_VERSION);
  // The next start (same version) keeps what 3.6 wrote.
  mkdirSync(join(old, 'etcd', 'member'), { recursive: true });
  resetEtcdFromOtherMinor(old, (l) => lines.push(l));
  assert.ok(existsSync(join(old, 'etcd', 'member')));
  assert.equal(lines.length, 1);
});

test('shell words are quoted only when they need it', () => {
  assert.equal(shellQuote('--a=b/c:d'), '--a=b/c:d');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('a b'), `'a b'`);
});

test('the supervisor script parses and starts the late components after readiness', () => {
  const script = renderSupervisor({
    logs: '/tmp/x logs',
    components: [
      { name: 'one', command: '/bin/one', args: ['--x=1'] },
      { name: 'two', command: '/bin/two', args: ["it's"], afterReady: true },
    ],
    readyCheck: ['true'],
    afterReady: ['echo', 'ready'],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'kube-run-')), 'run.sh');
  writeFileSync(file, script);
  execFileSync('bash', ['-n', file]);
  assert.ok(script.indexOf('start one /bin/one') < script.indexOf('API server ready'));
  assert.ok(script.indexOf(`start two /bin/two 'it'\\''s'`) > script.indexOf('echo ready'));
  assert.match(script, /^LOGS='\/tmp\/x logs'$/m);
});
