// The pipeline on an etcd with TLS and authentication (issue 14's secured mode, the etcd
// part): certificates made by the test, a role per component limited to its keys (the agent
// reads the collect entries and writes only its status prefix; the transfer likewise), and
// passwords passed only as files. Every line reaches Elasticsearch exactly once. An agent
// given a wrong password, or a CA that did not sign etcd's certificate, says so naming the
// setting to change, and once fixed delivers everything written meanwhile, once.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import {
  ADHOC_PREFIX,
  AGENT_STATUS_PREFIX,
  COLLECT_PREFIX,
  LEGACY_KEY,
  TRANSFER_STATUS_PREFIX,
  adhocEntryKey,
} from '../../common/keyspace.ts';
import { count, deleteIndices, refresh } from '../support/elasticsearch.ts';
import { appendLines, newPipeline, numbered, useEtcd, waitForTailer } from '../support/pipeline.ts';
import { startSecuredEtcd, type SecuredEtcd } from '../support/secured-etcd.ts';
import { makeTestPki } from '../support/tls.ts';
import { waitFor } from '../support/wait.ts';

const PORT = Number(process.env.LCS_TEST_SECURED_ETCD_PORT ?? 39679);
const ENDPOINT = `https://127.0.0.1:${PORT}`;
const p = newPipeline('sec');
const second = newPipeline('sec2');
const pki = makeTestPki((mkdirSync(join(p.dir, 'pki'), { recursive: true }), join(p.dir, 'pki')));
const secret = (name: string, value: string) => {
  const file = join(p.dir, 'pki', name);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
};
const etcdEnv = (user: string, passwordFile: string, ca = pki.ca) => ({
  LCS_ETCD_ENDPOINTS: ENDPOINT,
  LCS_ETCD_CA_FILE: ca,
  LCS_ETCD_USERNAME: user,
  LCS_ETCD_PASSWORD_FILE: passwordFile,
});
const agentPw = secret('agent-password', 'agent-secret-1');
const transferPw = secret('transfer-password', 'transfer-secret-1');
const wrongPw = secret('wrong-password', 'not-the-password');
let etcd: SecuredEtcd;
let root: Etcd3;
const file = join(p.dir, 'app.log');
const file2 = join(second.dir, 'other.log');
const topic = p.id;

before(async () => {
  const readCollect = [
    { permission: 'Read' as const, prefix: COLLECT_PREFIX },
    { permission: 'Read' as const, key: LEGACY_KEY },
  ];
  etcd = await startSecuredEtcd({
    dir: join(p.dir, 'etcd'),
    port: PORT,
    pki,
    users: {
      agent: {
        password: 'agent-secret-1',
        grants: [...readCollect, { permission: 'Readwrite', prefix: AGENT_STATUS_PREFIX }],
      },
      transfer: {
        password: 'transfer-secret-1',
        grants: [...readCollect, { permission: 'Readwrite', prefix: TRANSFER_STATUS_PREFIX }],
      },
    },
  });
  root = etcd.root;
  useEtcd(p, root);
  useEtcd(second, root);
});

after(async () => {
  await Promise.all([p.stop(), second.stop()]);
  await etcd?.stop();
  await deleteIndices(`${topic}-*`).catch(() => {});
});

test('agent and transfer on an etcd with TLS and a role each: every line in Elasticsearch once', async () => {
  appendLines(file, numbered('sec', 1, 200));
  appendLines(file2, []);
  await root
    .put(adhocEntryKey(`sec-${p.id}`))
    .value(JSON.stringify({ source: { files: { paths: [file, file2] } }, topic, startAt: 'beginning' }));
  p.startTransfer([], etcdEnv('transfer', transferPw));
  // Each agent may read only its own folder: the second file is the second agent's alone.
  p.startAgent([], { ...etcdEnv('agent', agentPw), LCS_ALLOWED_ROOTS: p.dir });
  await waitForTailer(p, `adhoc/sec-${p.id}`, file, 30_000);
  await waitFor(
    '200 documents',
    async () => {
      await refresh(`${topic}-*`).catch(() => {});
      return (await count(`${topic}-*`, { match: { 'log.file.path': file } })) === 200;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  // The agent's role cannot write outside its status prefix: etcd itself refuses.
  const agentClient = etcd.clientFor('agent', 'agent-secret-1');
  try {
    await assert.rejects(agentClient.put(`${ADHOC_PREFIX}forged`).value('{}').exec(), /permission denied/);
  } finally {
    agentClient.close();
  }
});

test('a wrong password and an untrusted CA are named with the setting to change; fixed, the agent delivers what was written meanwhile, once', async () => {
  const env = { LCS_ALLOWED_ROOTS: second.dir };
  const wrong = second.startAgent([], { ...etcdEnv('agent', wrongPw), ...env });
  await waitFor(
    'the wrong password named',
    () => /etcd\.username and etcd\.passwordFile/.test(wrong.logs()),
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  await wrong.stop();
  const untrusted = second.startAgent([], { ...etcdEnv('agent', agentPw, pki.otherCa), ...env });
  await waitFor('the untrusted certificate named', () => /not trusted.*etcd\.caFile/.test(untrusted.logs()), {
    timeoutMs: 30_000,
    intervalMs: 300,
  });
  await untrusted.stop();
  appendLines(file2, numbered('meanwhile', 1, 50));
  second.startAgent([], { ...etcdEnv('agent', agentPw), ...env });
  await waitFor(
    'the 50 lines written while the agent could not reach etcd',
    async () => {
      await refresh(`${topic}-*`).catch(() => {});
      return (await count(`${topic}-*`, { match: { 'log.file.path': file2 } })) === 50;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
});
