import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, setting } from '../../common/config/settings.ts';
import { ConfigError } from '../../common/errors.ts';
import { silentLogger } from '../../common/observe/logger.ts';
import { kubeAccessFrom, podResolverFrom } from './from-settings.ts';
import { podSettings } from './settings.ts';

const settings = (env: Record<string, string>, argv: string[] = []) =>
  loadSettings(
    { ...podSettings, 'node.name': setting.string({ description: '', default: 'n1' }) },
    {
      argv,
      env,
    },
  );

test('defaults: /var/log/pods, a 60 s grace, no kubeconfig', () => {
  const s = settings({});
  assert.equal(s['agent.podLogRoot'], '/var/log/pods');
  assert.equal(s['agent.podGrace'], 60_000);
  assert.equal(s['agent.kubeconfig'], undefined);
});

test('the pod log root must be absolute and free of glob characters', () => {
  assert.throws(
    () => settings({ LCS_POD_LOG_ROOT: 'var/log/pods' }),
    /agent.podLogRoot: must be an absolute path/,
  );
  assert.throws(
    () => settings({ LCS_POD_LOG_ROOT: '/var/log/*' }),
    /agent.podLogRoot: must not contain glob/,
  );
  assert.equal(settings({}, ['--agent-pod-log-root', '/k/pods'])['agent.podLogRoot'], '/k/pods');
});

test('standalone without a kubeconfig or KUBERNETES_SERVICE_HOST: no resolver', () => {
  assert.equal(kubeAccessFrom(settings({}), {}), undefined);
  assert.equal(podResolverFrom(settings({}), { logger: silentLogger, env: {} }), undefined);
});

test('a kubeconfig file from LCS_KUBECONFIG wins over the in-cluster account', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lcs-kubeconfig-'));
  try {
    const file = join(dir, 'config');
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://k8s.example:6443' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const kube = kubeAccessFrom(settings({ LCS_KUBECONFIG: file }), { KUBERNETES_SERVICE_HOST: '10.0.0.1' });
    assert.equal(kube?.server.href, 'https://k8s.example:6443/');
    assert.equal(kube?.authorization(), 'Bearer t');
    const missing = join(dir, 'nope');
    assert.throws(
      () => kubeAccessFrom(settings({ LCS_KUBECONFIG: missing }), {}),
      (err: unknown) => err instanceof ConfigError && err.key === 'agent.kubeconfig',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('in a pod without a mounted service account: a ConfigError that says what to do', () => {
  assert.throws(
    () => kubeAccessFrom(settings({}), { KUBERNETES_SERVICE_HOST: '10.0.0.1' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /service account is not readable.*automountServiceAccountToken/.test(err.message),
  );
});
