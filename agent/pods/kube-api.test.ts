import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { inClusterAccess, kubeconfigAccess } from './kube-api.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const config = (cluster: object, user: object) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://api.example:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [
      { name: 'other', context: { cluster: 'nope', user: 'nope' } },
      { name: 'x', context: { cluster: 'c', user: 'u' } },
    ],
    'current-context': 'x',
  });

test('kubeconfig: the current context, inline data, a token', () => {
  const a = kubeconfigAccess(
    config(
      { 'certificate-authority-data': b64('CA') },
      { token: 'abc', 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
    ),
    '/home/me/.kube/config',
  );
  assert.equal(a.server.href, 'https://api.example:6443/');
  assert.equal(a.authorization(), 'Bearer abc');
  assert.deepEqual([a.ca?.toString(), a.cert?.toString(), a.key?.toString()], ['CA', 'CERT', 'KEY']);
  assert.equal(a.insecure, false);
  assert.equal(a.origin, 'kubeconfig /home/me/.kube/config');
});

test('kubeconfig: files relative to the kubeconfig, a token file, basic auth, insecure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lcs-kube-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), 'CAFILE');
    writeFileSync(join(dir, 'token'), 'tok\n');
    const a = kubeconfigAccess(
      config({ 'certificate-authority': 'ca.crt' }, { tokenFile: 'token' }),
      join(dir, 'config'),
    );
    assert.equal(a.ca?.toString(), 'CAFILE');
    assert.equal(a.authorization(), 'Bearer tok');
    const basic = kubeconfigAccess(
      config({ 'insecure-skip-tls-verify': true }, { username: 'me', password: 'pw' }),
      join(dir, 'c'),
    );
    assert.equal(basic.authorization(), `Basic ${b64('me:pw')}`);
    assert.equal(basic.insecure, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kubeconfig: exec plugins and auth providers are refused with what to use instead', () => {
  assert.throws(
    () => kubeconfigAccess(config({}, { exec: { command: 'aws' } }), '/k'),
    /authenticates with exec, which the agent does not run; give it a token, a token file or a client certificate/,
  );
  assert.throws(
    () => kubeconfigAccess(config({}, { 'auth-provider': { name: 'oidc' } }), '/k'),
    /auth-provider/,
  );
  assert.throws(() => kubeconfigAccess('{}', '/k'), /no current-context/);
  assert.throws(
    () =>
      kubeconfigAccess(
        stringify({ 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'c' } }] }),
        '/k',
      ),
    /no cluster with a server/,
  );
});

test('in-cluster: the service host and port, the CA, a token re-read from its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lcs-sa-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), 'SACA');
    writeFileSync(join(dir, 'token'), 'first\n');
    const a = inClusterAccess({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir);
    assert.equal(a.server.href, 'https://[fd00::1]:6443/');
    assert.equal(a.ca?.toString(), 'SACA');
    assert.equal(a.authorization(), 'Bearer first');
    assert.throws(() => inClusterAccess({}, dir), /KUBERNETES_SERVICE_HOST is not set/);
    assert.throws(
      () => inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, join(dir, 'missing')),
      /ENOENT.*token/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
