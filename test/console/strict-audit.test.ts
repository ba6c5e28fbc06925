// Strict audit against a real etcd with auth enabled (a one-member cluster of its own): the
// console's etcd user may write the collect entries but not the audit keys, so etcd itself
// refuses the audit record. The change must be refused with it (503, nothing written); once
// the role may write audit records too, the same request succeeds.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3, Range } from 'etcd3';
import { ADHOC_PREFIX, AUDIT_PREFIX, adhocEntryKey } from '../../common/keyspace.ts';
import { EtcdCluster } from '../../deploy/local/etcd-cluster.ts';
import { ApiClient, PASSWORDS, enc, startConsole, usersFile, type RunningConsole } from './harness.ts';

const BASE_PORT = Number(process.env.LCS_TEST_ETCD_AUTH_PORT ?? 39479);
const say = (line: string) => process.stdout.write(`# ${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'lcs-strict-audit-'));
const cluster = new EtcdCluster({ dir, basePort: BASE_PORT, members: 1, log: say });
const endpoint = cluster.endpoints()[0]!;
let root: Etcd3;
let c: RunningConsole;
let usersDir: string;

before(async () => {
  await cluster.up();
  const admin = new Etcd3({ hosts: endpoint });
  await admin.user('root').create('root-pw');
  await admin.user('root').addRole('root');
  await admin.role('lcs-console').create();
  await admin.role('lcs-console').grant([
    { permission: 'Readwrite', range: Range.prefix(ADHOC_PREFIX) },
    { permission: 'Read', range: Range.prefix('/lcs/') },
    { permission: 'Read', key: '/collect_log_conf' },
  ]);
  await admin.user('console').create('console-pw');
  await admin.user('console').addRole('lcs-console');
  await admin.auth.authEnable({});
  admin.close();
  root = new Etcd3({ hosts: endpoint, auth: { username: 'root', password: 'root-pw' } });
  const pwFile = join(dir, 'etcd-password');
  writeFileSync(pwFile, 'console-pw\n', { mode: 0o600 });
  const u = await usersFile();
  usersDir = u.dir;
  c = await startConsole({
    LCS_ETCD_ENDPOINTS: endpoint,
    LCS_ETCD_USERNAME: 'console',
    LCS_ETCD_PASSWORD_FILE: pwFile,
    LCS_CONSOLE_USERS_FILE: u.file,
  });
});

after(async () => {
  await c?.stop();
  root?.close();
  await cluster.down();
  rmSync(dir, { recursive: true, force: true });
  if (usersDir) rmSync(usersDir, { recursive: true, force: true });
});

test('etcd refusing the audit record refuses the change: 503, and neither the entry nor an audit record exists', async () => {
  const api = new ApiClient(c.url);
  assert.equal((await api.login('alice', PASSWORDS.alice)).status, 200);
  const entry = { source: { files: { paths: ['/var/log/strict.log'] } }, topic: 'strict' };
  const refused = await api.call('PUT', `/api/collections/${enc('adhoc/strict')}`, { entry, revision: 0 });
  assert.equal(refused.status, 503, refused.text);
  assert.match(String(refused.body.error), /audit record/);
  assert.match(String(refused.body.error), /permission denied/);
  assert.equal(await root.get(adhocEntryKey('strict')).string(), null, 'the change was not made');
  assert.deepEqual(await root.getAll().prefix(AUDIT_PREFIX).keys(), [], 'and no audit record either');

  await root.role('lcs-console').grant({ permission: 'Write', range: Range.prefix(AUDIT_PREFIX) });
  const ok = await api.call('PUT', `/api/collections/${enc('adhoc/strict')}`, { entry, revision: 0 });
  assert.equal(ok.status, 201, ok.text);
  assert.deepEqual(JSON.parse((await root.get(adhocEntryKey('strict')).string())!), entry);
  assert.equal((await root.getAll().prefix(AUDIT_PREFIX).keys()).length, 1);
});
