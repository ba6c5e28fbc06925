// The pipeline into an Elasticsearch with security on (issue 14's secured mode, the
// Elasticsearch part; test/support/secured-elasticsearch.ts): HTTPS with certificates made by
// the test, and the transfer a user whose role allows only what it does — manage index
// templates, and create documents and indices under its own prefix — its password passed
// only as a file. Every line reaches Elasticsearch exactly once; the role cannot delete,
// read or write elsewhere. A transfer given a wrong API key, a wrong password, a CA that did
// not sign Elasticsearch's certificate says so naming the setting, commits nothing meanwhile, and once fixed indexes everything
// written meanwhile, once.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { Etcd3 } from 'etcd3';
import { EtcdCluster } from '../../deploy/local/etcd-cluster.ts';
import { servicesDir } from '../../deploy/local/layout.ts';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { testKafka } from '../support/kafka.ts';
import { appendLines, newPipeline, numbered, useEtcd, waitForTailer } from '../support/pipeline.ts';
import { startSecuredElasticsearch, type SecuredElasticsearch } from '../support/secured-elasticsearch.ts';
import { makeTestPki } from '../support/tls.ts';
import { waitFor } from '../support/wait.ts';

const PORT = Number(process.env.LCS_TEST_SECURED_ES_PORT ?? 39700);
// An etcd of this test's own (plain): the transfer consumes every topic the collect entries
// name, and on the shared etcd those are other tests', which this Elasticsearch's role
// rightly refuses to index.
const ETCD_PORT = PORT + 2;
const ETCD = `http://127.0.0.1:${ETCD_PORT}`;
const p = newPipeline('seces');
// Elasticsearch runs as the lcs user, which may not reach a clone inside a private folder.
const esDir = join(servicesDir(), `es-secured-${p.id}`);
// As root Elasticsearch runs as the user `lcs`, which must reach its folder under this one.
chmodSync(p.dir, 0o711);
const pkiDir = join(p.dir, 'pki');
mkdirSync(pkiDir, { recursive: true });
const pki = makeTestPki(pkiDir);
const secret = (name: string, value: string) => {
  const file = join(pkiDir, name);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
};
const TRANSFER_PASSWORD = 'transfer-secret-1';
const transferPw = secret('transfer-password', TRANSFER_PASSWORD);
const wrongPw = secret('wrong-password', 'not-the-password');
const wrongKey = secret('wrong-api-key', Buffer.from('no-such-id:no-such-key').toString('base64'));
const topic = p.id;
const pattern = `${topic}-*`;
const file = join(p.dir, 'app.log');
let es: SecuredElasticsearch;
let etcd: Etcd3;
let admin: Admin;
const etcdCluster = new EtcdCluster({ dir: join(p.dir, 'etcd'), basePort: ETCD_PORT, members: 1 });
/** The least-privilege role of the transfer (docs/transfer.md). */
const transferRole = {
  cluster: ['manage_index_templates'],
  indices: [{ names: [pattern], privileges: ['create_doc', 'create_index'] }],
};

const esEnv = (auth: Record<string, string>, ca = pki.ca): Record<string, string> => ({
  LCS_ETCD_ENDPOINTS: ETCD,
  LCS_ELASTICSEARCH_URL: es.url,
  LCS_ELASTICSEARCH_CA_FILE: ca,
  LCS_TRANSFER_INDEX_REPLICAS: '0',
  ...auth,
});
const asTransfer = { LCS_ELASTICSEARCH_USERNAME: 'transfer', LCS_ELASTICSEARCH_PASSWORD_FILE: transferPw };

/** Every message in the test's indices, as the super user sees them after a refresh. */
async function messages(): Promise<string[]> {
  await es.request('POST', `/${pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const r = await es.request('POST', `/${pattern}/_search?ignore_unavailable=true&allow_no_indices=true`, {
    size: 10000,
    _source: ['message'],
    query: { match_all: {} },
  });
  const hits = (r.body.hits?.hits ?? []) as { _id: string; _source: { message: string } }[];
  assert.equal(new Set(hits.map((h) => h._id)).size, hits.length, 'no _id twice');
  return hits.map((h) => h._source.message).sort();
}

/** The transfer group's committed offsets on the topic, summed (-1, nothing committed, as 0). */
async function committed(): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId: p.env.LCS_TRANSFER_GROUP_ID!, topics: [topic] });
  return (t?.partitions ?? []).reduce((sum, x) => sum + Math.max(0, Number(x.offset)), 0);
}

before(async () => {
  await etcdCluster.up();
  etcd = new Etcd3({ hosts: ETCD });
  es = await startSecuredElasticsearch({
    dir: esDir,
    port: PORT,
    pki,
    users: {
      transfer: { password: TRANSFER_PASSWORD, role: transferRole },
    },
  });
  admin = testKafka().admin();
  await admin.connect();
  useEtcd(p, etcd);
});

after(async () => {
  await p.stop();
  etcd?.close();
  await etcdCluster.down();
  await admin?.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => {});
  await admin?.disconnect().catch(() => {});
  await es?.stop();
  rmSync(esDir, { recursive: true, force: true });
});

test('the transfer into Elasticsearch over HTTPS as a least-privilege user: every line once; the role allows nothing else', async () => {
  const lines = numbered('seces', 1, 200);
  appendLines(file, lines);
  await etcd
    .put(adhocEntryKey(`seces-${p.id}`))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  p.startAgent([], { LCS_ETCD_ENDPOINTS: ETCD });
  p.startTransfer([], esEnv(asTransfer));
  await waitForTailer(p, `adhoc/seces-${p.id}`, file, 30_000);
  await waitFor('200 documents', async () => (await messages()).length === 200, {
    timeoutMs: 120_000,
    intervalMs: 1000,
  });
  assert.deepEqual(await messages(), [...lines].sort());
  // Elasticsearch itself refuses what the role does not allow.
  const user = { user: 'transfer', password: TRANSFER_PASSWORD };
  const del = await es.request('DELETE', `/${pattern}`, undefined, user);
  assert.equal(del.status, 403, JSON.stringify(del.body));
  const search = await es.request('POST', `/${pattern}/_search`, {}, user);
  assert.equal(search.status, 403, JSON.stringify(search.body));
  const other = await es.request(
    'POST',
    '/_bulk',
    `${JSON.stringify({ create: { _index: `other-${p.id}`, _id: 'forged' } })}\n{"message":"forged"}\n`,
    user,
  );
  assert.equal(other.body.items?.[0]?.create?.status, 403, JSON.stringify(other.body));
  assert.equal((await es.request('HEAD', `/other-${p.id}`)).status, 404);
});

test('a wrong API key, a wrong password, an untrusted CA are named; nothing is committed meanwhile; fixed, every line once', async () => {
  await waitFor('the first 200 records committed', async () => (await committed()) === 200, {
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  await p.transfer!.stop();
  const failing = async (what: string, env: Record<string, string>, expected: RegExp, from: number) => {
    appendLines(file, numbered('seces', from, 20));
    const t = p.startTransfer([], env);
    await waitFor(`${what} named`, () => expected.test(t.logs()), { timeoutMs: 60_000, intervalMs: 300 });
    await t.stop();
  };
  await failing(
    'the wrong API key',
    esEnv({ LCS_ELASTICSEARCH_API_KEY_FILE: wrongKey }),
    /Elasticsearch refused the API key: check elasticsearch\.apiKeyFile/,
    201,
  );
  await failing(
    'the wrong password',
    esEnv({ ...asTransfer, LCS_ELASTICSEARCH_PASSWORD_FILE: wrongPw }),
    /Elasticsearch refused the user name or password: check elasticsearch\.username and elasticsearch\.passwordFile/,
    221,
  );
  await failing(
    'the untrusted certificate',
    esEnv(asTransfer, pki.otherCa),
    /Elasticsearch's TLS certificate is not trusted.*elasticsearch\.caFile/,
    241,
  );
  // Refused is not done: no offset moved and no document went in (nor to the dead letters,
  // which the count below would miss for good).
  assert.equal(await committed(), 200);
  assert.equal((await messages()).length, 200);
  p.startTransfer([], esEnv(asTransfer));
  await waitFor(
    'the 60 lines written while the transfer was refused',
    async () => (await messages()).length === 260,
    {
      timeoutMs: 120_000,
      intervalMs: 1000,
    },
  );
  assert.deepEqual(await messages(), numbered('seces', 1, 260).sort());
  await waitFor('all 260 records committed', async () => (await committed()) === 260, {
    timeoutMs: 60_000,
    intervalMs: 500,
  });
});
