// The pipeline on a Kafka with SASL_SSL, SCRAM-SHA-512 and ACLs (issue 14's secured mode, the
// Kafka part; test/support/secured-kafka.ts): certificates made by the test, a user per
// component and ACLs that let each do only what it does (the agent writes its topic; the
// transfer reads it with its consumer group and writes the dead-letter topic), passwords
// passed only as files, topics created up front by the admin. Every line reaches
// Elasticsearch exactly once. An agent given a wrong password, a CA that did not sign
// Kafka's certificate, or a topic no ACL lets it write says so naming the setting or the ACL,
// and once fixed delivers everything written meanwhile, once.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs, { Kafka, type Admin } from 'kafkajs';
import { EtcdCluster } from '../../deploy/local/etcd-cluster.ts';
import { Etcd3 } from 'etcd3';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { count, deleteIndices, refresh } from '../support/elasticsearch.ts';
import { appendLines, newPipeline, numbered, useEtcd, waitForTailer } from '../support/pipeline.ts';
import { startSecuredKafka, type SecuredKafka } from '../support/secured-kafka.ts';
import { makeTestPki } from '../support/tls.ts';
import { waitFor } from '../support/wait.ts';

// kafkajs is CommonJS and its ACL enums are not named exports Node can see.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
const PORT = Number(process.env.LCS_TEST_SECURED_KAFKA_PORT ?? 39892);
// An etcd of this test's own (plain, unsecured): the shared one holds other tests' collections,
// whose topics the transfer would subscribe to and, rightly, be refused on this Kafka.
const ETCD_PORT = PORT + 2;
const ETCD = `http://127.0.0.1:${ETCD_PORT}`;
const p = newPipeline('seck');
const second = newPipeline('seck2');
const pkiDir = join(p.dir, 'pki');
mkdirSync(pkiDir, { recursive: true });
const pki = makeTestPki(pkiDir);
const secret = (name: string, value: string) => {
  const file = join(pkiDir, name);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
};
const agentPw = secret('agent-password', 'agent-secret-1');
const transferPw = secret('transfer-password', 'transfer-secret-1');
const wrongPw = secret('wrong-password', 'not-the-password');
const topic = p.id;
/** A topic that exists but no ACL lets the agent write. */
const forbidden = `${p.id}-forbidden`;
const file = join(p.dir, 'app.log');
const file2 = join(second.dir, 'other.log');
const file3 = join(second.dir, 'forbidden.log');
let kafka: SecuredKafka;
let admin: Admin;
let etcd: Etcd3;
const etcdCluster = new EtcdCluster({ dir: join(p.dir, 'etcd'), basePort: ETCD_PORT, members: 1 });

const kafkaEnv = (user: string, passwordFile: string, ca = pki.ca): Record<string, string> => ({
  LCS_ETCD_ENDPOINTS: ETCD,
  LCS_KAFKA_BROKERS: kafka.brokers.join(','),
  LCS_KAFKA_TLS: 'true',
  LCS_KAFKA_CA_FILE: ca,
  LCS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
  LCS_KAFKA_SASL_USERNAME: user,
  LCS_KAFKA_SASL_PASSWORD_FILE: passwordFile,
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

before(async () => {
  // A plain etcd of its own (one member, the project's EtcdCluster): the shared one names
  // other engineers' topics, which this Kafka rightly refuses.
  await etcdCluster.up();
  etcd = new Etcd3({ hosts: ETCD });
  kafka = await startSecuredKafka({
    dir: join(p.dir, 'kafka'),
    port: PORT,
    pki,
    users: { agent: 'agent-secret-1', transfer: 'transfer-secret-1' },
  });
  admin = kafka.admin.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [topic, `${topic}.dlq`, forbidden].map((t) => ({ topic: t, numPartitions: 2 })),
    waitForLeaders: true,
  });
  await admin.createAcls({
    acl: [
      allow('agent', AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE),
      allow('agent', AclResourceTypes.TOPIC, topic, AclOperationTypes.DESCRIBE),
      allow('transfer', AclResourceTypes.TOPIC, topic, AclOperationTypes.READ),
      allow('transfer', AclResourceTypes.TOPIC, forbidden, AclOperationTypes.READ),
      allow('transfer', AclResourceTypes.TOPIC, `${topic}.dlq`, AclOperationTypes.WRITE),
      allow('transfer', AclResourceTypes.GROUP, p.env.LCS_TRANSFER_GROUP_ID!, AclOperationTypes.READ),
    ],
  });
  useEtcd(p, etcd);
  useEtcd(second, etcd);
});

after(async () => {
  await Promise.all([p.stop(), second.stop()]);
  etcd?.close();
  await etcdCluster.down();
  await admin?.disconnect().catch(() => {});
  await kafka?.stop();
  await deleteIndices(`${topic}-*`).catch(() => {});
});

test('agent and transfer on a Kafka with SASL_SSL, SCRAM-SHA-512 and ACLs: every line in Elasticsearch once', async () => {
  appendLines(file, numbered('seck', 1, 200));
  appendLines(file2, []);
  await etcd
    .put(adhocEntryKey(`seck-${p.id}`))
    .value(JSON.stringify({ source: { files: { paths: [file, file2] } }, topic, startAt: 'beginning' }));
  p.startTransfer([], kafkaEnv('transfer', transferPw));
  // Each agent may read only its own folder (LCS_ALLOWED_ROOTS): this one the first file,
  // the second agent (a node of its own) the other, so only that one can deliver it.
  p.startAgent([], kafkaEnv('agent', agentPw));
  await waitForTailer(p, `adhoc/seck-${p.id}`, file, 30_000);
  await waitFor(
    '200 documents',
    async () => {
      await refresh(`${topic}-*`).catch(() => {});
      return (await count(`${topic}-*`, { match: { 'log.file.path': file } })) === 200;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  // Kafka itself refuses what the ACLs do not allow: the agent may not write the dead-letter topic.
  const producer = new Kafka(kafka.clientConfig('agent', 'agent-secret-1')).producer();
  try {
    await producer.connect();
    await assert.rejects(
      producer.send({ topic: `${topic}.dlq`, messages: [{ value: 'forged' }] }),
      /not authorized/i,
    );
  } finally {
    await producer.disconnect().catch(() => {});
  }
});

test('a wrong password and an untrusted CA are named with the setting to change; fixed, the agent delivers what was written meanwhile, once', async () => {
  const wrong = second.startAgent([], kafkaEnv('agent', wrongPw));
  await waitFor(
    'the wrong password named',
    () => /kafka\.saslUsername and kafka\.saslPasswordFile/.test(wrong.logs()),
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  appendLines(file2, numbered('meanwhile', 1, 30));
  await wrong.stop();
  const untrusted = second.startAgent([], kafkaEnv('agent', agentPw, pki.otherCa));
  await waitFor(
    'the untrusted certificate named',
    () => /not trusted.*kafka\.caFile/.test(untrusted.logs()),
    {
      timeoutMs: 30_000,
      intervalMs: 300,
    },
  );
  appendLines(file2, numbered('meanwhile', 31, 20));
  await untrusted.stop();
  second.startAgent([], kafkaEnv('agent', agentPw));
  await waitFor(
    'the 50 lines written while the agent could not reach Kafka',
    async () => {
      await refresh(`${topic}-*`).catch(() => {});
      return (await count(`${topic}-*`, { match: { 'log.file.path': file2 } })) === 50;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  await refresh(`${topic}-*`);
  assert.equal(await count(`${topic}-*`, { match: { 'log.file.path': file2 } }), 50);
  assert.equal(await count(`${topic}-*`, { match: { 'log.file.path': file } }), 200);
});

test('a topic no ACL lets the agent write is named with the ACL it lacks; once granted, its lines arrive once', async () => {
  appendLines(file3, numbered('forbidden', 1, 40));
  await etcd
    .put(adhocEntryKey(`seck-forbidden-${p.id}`))
    .value(JSON.stringify({ source: { files: { paths: [file3] } }, topic: forbidden, startAt: 'beginning' }));
  const agent = second.agent!;
  await waitFor(
    'the missing ACL named',
    () => new RegExp(`${forbidden}.*(Write|WRITE)`).test(agent.logs()) && /ACL/.test(agent.logs()),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  await admin.createAcls({
    acl: [allow('agent', AclResourceTypes.TOPIC, forbidden, AclOperationTypes.WRITE)],
  });
  // The transfer consumes what the collections name; its group reads the new topic too.
  await waitFor(
    'the 40 lines once the ACL is granted',
    async () => {
      await refresh(`${forbidden}-*`).catch(() => {});
      return (await count(`${forbidden}-*`, { match: { 'log.file.path': file3 } })) === 40;
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
  await deleteIndices(`${forbidden}-*`).catch(() => {});
});

test('a transfer with a wrong password, or a consumer group no ACL allows, is named; fixed or granted, it indexes what was written meanwhile, once', async () => {
  await p.transfer!.stop();
  appendLines(file, numbered('seck', 201, 30));
  const wrong = p.startTransfer([], kafkaEnv('transfer', wrongPw));
  await waitFor(
    'the wrong password named',
    () => /kafka\.saslUsername and kafka\.saslPasswordFile/.test(wrong.logs()),
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  await wrong.stop();
  const group = `${p.env.LCS_TRANSFER_GROUP_ID}-ungranted`;
  const ungranted = p.startTransfer([], {
    ...kafkaEnv('transfer', transferPw),
    LCS_TRANSFER_GROUP_ID: group,
  });
  await waitFor(
    'the consumer group without an ACL named',
    () =>
      ungranted.logs().includes(`consumer group ${group}`) &&
      ungranted.logs().includes('grant Read on the group to User:transfer'),
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  appendLines(file, numbered('seck', 231, 20));
  // Granted, the same process joins the group (kafkajs had given up; the transfer starts a new
  // member) and indexes everything from the beginning: the documents' ids make that once.
  await admin.createAcls({ acl: [allow('transfer', AclResourceTypes.GROUP, group, AclOperationTypes.READ)] });
  await waitFor(
    'the 50 lines written while the transfer could not read',
    async () => {
      await refresh(`${topic}-*`).catch(() => {});
      return (await count(`${topic}-*`, { match: { 'log.file.path': file } })) === 250;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  await refresh(`${topic}-*`);
  assert.equal(await count(`${topic}-*`, { match: { 'log.file.path': file } }), 250);
});
