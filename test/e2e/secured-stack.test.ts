// Issue 14's secured mode, all of it at once: etcd with TLS and a role per component limited
// to its key prefixes, Kafka with SASL_SSL (SCRAM-SHA-512) and ACLs per component,
// Elasticsearch with HTTPS and a least-privilege role per component, InfluxDB with
// authentication and a GRANT per user; certificates made by the test (test/support/tls.ts),
// every password passed to a component only as a file. The components are the real
// processes users run — `lcs agent`, `lcs transfer`, `lcs metrics`, `lcs console` — each
// with a user of its own. Lines appended to a file reach Elasticsearch exactly once; the
// agent's, transfer's and metrics' status records are in etcd; metrics points are in
// InfluxDB; the console, logged in, shows the agent live and finds a line through Search.
// One private instance of each service, on ports from LCS_TEST_SECURED_STACK_PORT
// (default 39940; everything within it + 59).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import {
  AGENT_STATUS_PREFIX,
  COLLECT_PREFIX,
  LEGACY_KEY,
  METRICS_STATUS_PREFIX,
  TRANSFER_STATUS_PREFIX,
  adhocEntryKey,
  metricsStatusKey,
} from '../../common/keyspace.ts';
import { flagOf } from '../../common/config/settings.ts';
import { servicesDir } from '../../deploy/local/layout.ts';
import { hashPassword } from '../../console/auth/password.ts';
import { ApiClient, enc } from '../console/harness.ts';
import { influxQuery, rows, startMetrics } from '../metrics/harness.ts';
import { startInfluxd, type Influxd18 } from '../support/influxdb18.ts';
import { startLcs, type LcsProcess } from '../support/lcs-process.ts';
import { appendLines, newPipeline, numbered, useEtcd, waitForTailer } from '../support/pipeline.ts';
import { startSecuredElasticsearch, type SecuredElasticsearch } from '../support/secured-elasticsearch.ts';
import { startSecuredEtcd, type SecuredEtcd } from '../support/secured-etcd.ts';
import { startSecuredKafka, type SecuredKafka } from '../support/secured-kafka.ts';
import { makeTestPki } from '../support/tls.ts';
import { waitFor } from '../support/wait.ts';

// kafkajs is CommonJS and its ACL enums are not named exports Node can see.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const BASE = Number(process.env.LCS_TEST_SECURED_STACK_PORT ?? 39940);
const PORTS = {
  etcd: BASE, // peer: + 1
  kafka: BASE + 10, // controller: + 1
  elasticsearch: BASE + 20, // transport: + 1
  influxdb: BASE + 30, // RPC: + 2
  console: BASE + 40,
};

const p = newPipeline('secstack');
// Elasticsearch runs as the lcs user, which may not reach a clone inside a private folder.
const esDir = join(servicesDir(), `es-secured-${p.id}`);
// As root Elasticsearch runs as the user `lcs`, which must reach its folder under this one.
chmodSync(p.dir, 0o711);
const pkiDir = join(p.dir, 'pki');
mkdirSync(pkiDir, { recursive: true });
const pki = makeTestPki(pkiDir);
/** A secret in a file only its owner may read, as a deployment mounts it. */
const secret = (name: string, value: string) => {
  const file = join(pkiDir, name);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
};
const PW = {
  etcd: {
    agent: 'etcd-agent-1',
    transfer: 'etcd-transfer-1',
    metrics: 'etcd-metrics-1',
    console: 'etcd-console-1',
  },
  kafka: { agent: 'kafka-agent-1', transfer: 'kafka-transfer-1' },
  es: { transfer: 'es-transfer-1', console: 'es-console-1' },
  influx: { admin: 'influx-admin-1', metrics: 'influx-metrics-1', console: 'influx-console-1' },
  consoleUser: 'viewer-secret-1',
};
const topic = p.id;
const pattern = `${topic}-*`;
const collection = `adhoc/stack-${p.id}`;
const db = `lcs_stack_${p.id.replace(/[^a-z0-9]/gi, '_')}`;
const file = join(p.dir, 'app.log');
const lines = numbered('stack', 1, 200);

let etcd: SecuredEtcd;
let kafka: SecuredKafka;
let es: SecuredElasticsearch;
let influx: Influxd18;
let admin: Admin | undefined;
let metrics: LcsProcess | undefined;
let consoleProc: LcsProcess | undefined;

/** etcd: TLS trusting the test CA, the component's own user, its password as a file. */
const etcdEnv = (user: keyof typeof PW.etcd): Record<string, string> => ({
  LCS_ETCD_ENDPOINTS: etcd.endpoint,
  LCS_ETCD_CA_FILE: pki.ca,
  LCS_ETCD_USERNAME: user,
  LCS_ETCD_PASSWORD_FILE: secret(`etcd-${user}`, PW.etcd[user]),
});
const kafkaEnv = (user: keyof typeof PW.kafka): Record<string, string> => ({
  LCS_KAFKA_BROKERS: kafka.brokers.join(','),
  LCS_KAFKA_TLS: 'true',
  LCS_KAFKA_CA_FILE: pki.ca,
  LCS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
  LCS_KAFKA_SASL_USERNAME: user,
  LCS_KAFKA_SASL_PASSWORD_FILE: secret(`kafka-${user}`, PW.kafka[user]),
});
const esEnv = (user: keyof typeof PW.es): Record<string, string> => ({
  LCS_ELASTICSEARCH_URL: es.url,
  LCS_ELASTICSEARCH_CA_FILE: pki.ca,
  LCS_ELASTICSEARCH_USERNAME: user,
  LCS_ELASTICSEARCH_PASSWORD_FILE: secret(`es-${user}`, PW.es[user]),
});
const allow = (
  principal: string,
  resourceType: kafkajs.AclResourceTypes,
  resourceName: string,
  operation: kafkajs.AclOperationTypes,
) => ({
  principal: `User:${principal}`,
  resourceType,
  resourceName,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});
const influxAdmin = { user: 'lcs-admin', password: PW.influx.admin };
const influxReader = { user: 'lcs-console', password: PW.influx.console };

before(async () => {
  const readCollect = [
    { permission: 'Read' as const, prefix: COLLECT_PREFIX },
    { permission: 'Read' as const, key: LEGACY_KEY },
  ];
  // The four services start together: each takes a while on a busy machine.
  [etcd, kafka, es, influx] = await Promise.all([
    startSecuredEtcd({
      dir: join(p.dir, 'etcd'),
      port: PORTS.etcd,
      pki,
      users: {
        // docs/agent.md, docs/transfer.md, docs/metrics.md, docs/console.md: what each reads and writes.
        agent: {
          password: PW.etcd.agent,
          grants: [...readCollect, { permission: 'Readwrite', prefix: AGENT_STATUS_PREFIX }],
        },
        transfer: {
          password: PW.etcd.transfer,
          grants: [...readCollect, { permission: 'Readwrite', prefix: TRANSFER_STATUS_PREFIX }],
        },
        metrics: {
          password: PW.etcd.metrics,
          grants: [{ permission: 'Readwrite', prefix: METRICS_STATUS_PREFIX }],
        },
        // A console whose users only view: it reads what it shows (console.keyPrefixes) and writes nothing.
        console: {
          password: PW.etcd.console,
          grants: [
            { permission: 'Read', prefix: '/lcs/' },
            { permission: 'Read', key: LEGACY_KEY },
          ],
        },
      },
    }),
    startSecuredKafka({
      dir: join(p.dir, 'kafka'),
      port: PORTS.kafka,
      pki,
      users: PW.kafka,
    }),
    startSecuredElasticsearch({
      dir: esDir,
      port: PORTS.elasticsearch,
      transportPort: PORTS.elasticsearch + 1,
      pki,
      users: {
        transfer: {
          password: PW.es.transfer,
          role: {
            cluster: ['manage_index_templates'],
            indices: [{ names: [pattern], privileges: ['create_doc', 'create_index'] }],
          },
        },
        console: {
          password: PW.es.console,
          role: { indices: [{ names: [pattern], privileges: ['read', 'view_index_metadata'] }] },
        },
      },
    }),
    startInfluxd({
      bin: '/usr/bin/influxd',
      httpPort: PORTS.influxdb,
      dir: join(p.dir, 'influxdb'),
      auth: influxAdmin,
    }),
  ]);
  for (const q of [
    `CREATE DATABASE "${db}"`,
    `CREATE USER "lcs-metrics" WITH PASSWORD '${PW.influx.metrics}'`,
    `GRANT WRITE ON "${db}" TO "lcs-metrics"`,
    `CREATE USER "${influxReader.user}" WITH PASSWORD '${influxReader.password}'`,
    `GRANT READ ON "${db}" TO "${influxReader.user}"`,
  ])
    await influxQuery(influx.url, db, q, influxAdmin);
  admin = kafka.admin.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [topic, `${topic}.dlq`].map((t) => ({ topic: t, numPartitions: 2 })),
    waitForLeaders: true,
  });
  await admin.createAcls({
    acl: [
      allow('agent', AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE),
      allow('agent', AclResourceTypes.TOPIC, topic, AclOperationTypes.DESCRIBE),
      allow('transfer', AclResourceTypes.TOPIC, topic, AclOperationTypes.READ),
      allow('transfer', AclResourceTypes.TOPIC, `${topic}.dlq`, AclOperationTypes.WRITE),
      allow('transfer', AclResourceTypes.GROUP, p.env.LCS_TRANSFER_GROUP_ID!, AclOperationTypes.READ),
    ],
  });
  useEtcd(p, etcd.root);
});

after(async () => {
  await Promise.all([p.stop(), metrics?.stop(), consoleProc?.stop()]);
  await admin?.disconnect().catch(() => {});
  await Promise.all([etcd?.stop(), kafka?.stop(), es?.stop(), influx?.stop()]);
  rmSync(esDir, { recursive: true, force: true });
});

/** Every document in the test's indices, as the super user sees them after a refresh. */
async function documents(): Promise<{ _id: string; _source: { message: string } }[]> {
  await es.request('POST', `/${pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const r = await es.request('POST', `/${pattern}/_search?ignore_unavailable=true&allow_no_indices=true`, {
    size: 10000,
    _source: ['message'],
    query: { match_all: {} },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.hits.hits;
}

test('every component on a stack secured everywhere: lines in Elasticsearch once, status in etcd, points in InfluxDB, the console shows both', async () => {
  appendLines(file, lines);
  await etcd.root
    .put(adhocEntryKey(collection.slice('adhoc/'.length)))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  p.startTransfer([], {
    ...etcdEnv('transfer'),
    ...kafkaEnv('transfer'),
    ...esEnv('transfer'),
    LCS_TRANSFER_INDEX_REPLICAS: '0',
  });
  p.startAgent([], { ...etcdEnv('agent'), ...kafkaEnv('agent') });
  metrics = startMetrics({
    node: p.node,
    stateDir: join(p.dir, '.metrics-state'),
    logDir: p.logDir,
    args: [
      flagOf('metrics.interval'),
      '1s',
      flagOf('metrics.inputs'),
      'mem,system',
      flagOf('metrics.influx.url'),
      influx.url,
      flagOf('metrics.influx.database'),
      db,
      flagOf('metrics.influx.username'),
      'lcs-metrics',
      flagOf('metrics.influx.passwordFile'),
      secret('influx-metrics', PW.influx.metrics),
    ],
    env: etcdEnv('metrics'),
  });
  const usersFile = join(pkiDir, 'console-users.yaml');
  writeFileSync(
    usersFile,
    `users:\n  - name: viewer\n    password: ${await hashPassword(PW.consoleUser)}\n    roles:\n      - { prefix: /, role: viewer }\n`,
    { mode: 0o600 },
  );
  consoleProc = startLcs('console', [flagOf('console.listen'), `127.0.0.1:${PORTS.console}`], {
    env: {
      ...etcdEnv('console'),
      ...esEnv('console'),
      LCS_CONSOLE_USERS_FILE: usersFile,
      // The dead letters need Kafka; this test gives the console none (not part of the scenario).
      LCS_CONSOLE_DEAD_LETTERS: 'false',
    },
    logDir: p.logDir,
    name: 'console',
  });

  // Every line in Elasticsearch, once, unchanged.
  await waitFor(`${lines.length} documents`, async () => (await documents()).length >= lines.length, {
    timeoutMs: 180_000,
    intervalMs: 1000,
  });
  const docs = await documents();
  assert.equal(docs.length, lines.length);
  assert.equal(new Set(docs.map((d) => d._id)).size, docs.length, 'no _id twice');
  assert.deepEqual(docs.map((d) => d._source.message).sort(), [...lines].sort());

  // The agent's and the transfer's status records, in the secured etcd.
  await waitForTailer(p, collection, file, 60_000);
  const transfers = await waitFor(
    'a transfer status record consuming the topic',
    async () => {
      const all = await etcd.root.getAll().prefix(TRANSFER_STATUS_PREFIX).json();
      const hit = Object.values(all).find(
        (s) => ((s as { assignment?: Record<string, number[]> }).assignment?.[topic]?.length ?? 0) > 0,
      );
      return hit;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  assert.ok(transfers);

  // `lcs metrics`: points in InfluxDB (read back as the console's read-only user), status in etcd.
  await waitFor(
    'metrics points in the secured InfluxDB',
    async () =>
      rows(await influxQuery(influx.url, db, `SELECT used FROM mem WHERE host = '${p.node}'`, influxReader))
        .length >= 2,
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  const metricsStatus = await waitFor(
    'the metrics status record in etcd',
    async () => {
      const raw = await etcd.root.get(metricsStatusKey(p.node)).string();
      const s = raw ? (JSON.parse(raw) as { writer?: { up?: boolean } }) : undefined;
      return s?.writer?.up ? s : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  assert.equal(metricsStatus.writer?.up, true);

  // The console, logged in: the agent live from etcd, a line found through Search from ES.
  const api = new ApiClient(`http://127.0.0.1:${PORTS.console}`);
  await waitFor(
    `the console on ${api.base} (log: ${consoleProc.logFile})`,
    async () => {
      if (consoleProc!.proc.exitCode !== null) throw new Error(`lcs console exited:\n${consoleProc!.logs()}`);
      return (await api.call('GET', '/api/me').catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const login = await api.login('viewer', PW.consoleUser);
  assert.equal(login.status, 200, login.text);
  const agent = await waitFor(
    'the agent online on /api/nodes',
    async () => {
      const r = await api.call<{
        agents: { name: string; state: string; status: { tailers: { file: string }[] } }[];
      }>('GET', '/api/nodes');
      const a = r.body.agents?.find((x) => x.name === p.node);
      return a?.state === 'online' && a.status.tailers.some((t) => t.file === file) ? a : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  assert.equal(agent.name, p.node);
  const found = await waitFor(
    'a line through the console Search',
    async () => {
      const r = await api.call<{ hits: { message: string; file?: string }[]; total: number }>(
        'GET',
        `/api/search?collection=${enc(collection)}&q=42&size=50`,
      );
      return r.status === 200 && r.body.hits.some((h) => h.message === 'stack line 42') ? r : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  );
  assert.equal(found.body.hits.find((h) => h.message === 'stack line 42')?.file, file);
});
