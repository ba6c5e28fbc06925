// A single-node Kafka with issue 14's secured mode, for tests: clients speak SASL_SSL with
// SCRAM-SHA-512 (a PKCS12 keystore made by openssl from the test PKI, test/support/tls.ts),
// users are created when the storage is formatted (`--add-scram`, the KRaft way: the
// credentials are in the metadata log from the first start), and the StandardAuthorizer
// refuses whatever no ACL allows. The broker talks to itself as the super user `admin` over
// SASL_SSL; its controller listener takes only clients with a certificate signed by the test
// CA (mutual TLS: SCRAM cannot authenticate controllers, their credentials live in the log
// they serve), and that certificate's subject is the second super user. Same jars and JVM
// as deploy/local/kafka.ts; its own port and data directory.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { kafka as kafkaService, javaArgs, newClusterId } from '../../deploy/local/kafka.ts';
import { cacheDir } from '../../deploy/local/layout.ts';
import type { ServiceContext } from '../../deploy/local/service.ts';
import type { TestPki } from './tls.ts';
import { waitFor } from './wait.ts';

export interface SecuredKafkaOptions {
  dir: string;
  port: number;
  pki: TestPki;
  /** SCRAM-SHA-512 users (name → password) made at format time, besides `admin`. */
  users: Record<string, string>;
}

export interface SecuredKafka {
  brokers: string[];
  logFile: string;
  /** A kafkajs client as the super user `admin` (topics, ACLs). */
  admin: Kafka;
  /** kafkajs settings for `user` over SASL_SSL, trusting the test CA. */
  clientConfig(user: string, password: string): KafkaConfig;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const ADMIN_PASSWORD = 'admin-secret-1';
const STORE_PASSWORD = 'lcs-test-store';

export async function startSecuredKafka(o: SecuredKafkaOptions): Promise<SecuredKafka> {
  const data = join(o.dir, 'data');
  mkdirSync(data, { recursive: true });
  const keystore = join(o.dir, 'server.p12');
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      '-in',
      o.pki.serverCert,
      '-inkey',
      o.pki.serverKey,
      '-certfile',
      o.pki.ca,
      '-name',
      'kafka',
      '-out',
      keystore,
      '-passout',
      `pass:${STORE_PASSWORD}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const controller = o.port + 1;
  const config = join(o.dir, 'server.properties');
  const scram = `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${ADMIN_PASSWORD}";`;
  writeFileSync(
    config,
    `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${controller}
listeners=SASL_SSL://${HOST}:${o.port},CONTROLLER://${HOST}:${controller}
advertised.listeners=SASL_SSL://${HOST}:${o.port}
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram}
ssl.keystore.type=PKCS12
ssl.keystore.location=${keystore}
ssl.keystore.password=${STORE_PASSWORD}
ssl.truststore.type=PEM
ssl.truststore.location=${o.pki.ca}
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:CN=127.0.0.1
log.dirs=${data}
auto.create.topics.enable=false
num.partitions=2
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
`,
  );
  const ctx: Pick<ServiceContext, 'cache' | 'env'> = { cache: cacheDir(process.env), env: process.env };
  await kafkaService.install!({
    ...ctx,
    name: 'kafka',
    port: o.port,
    paths: { dir: o.dir, data, logFile: join(o.dir, 'kafka.log'), pidFile: join(o.dir, 'kafka.pid') },
    log: () => {},
  });
  const users = { admin: ADMIN_PASSWORD, ...o.users };
  const logFile = join(o.dir, 'kafka.log');
  execFileSync(
    'java',
    [
      ...javaArgs(ctx, '256m'),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      newClusterId(),
      '--config',
      config,
      ...Object.entries(users).flatMap(([name, pw]) => [
        '--add-scram',
        `SCRAM-SHA-512=[name=${name},password=${pw}]`,
      ]),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const out = openSync(logFile, 'a');
  const proc: ChildProcess = spawn('java', [...javaArgs(ctx, '384m'), 'kafka.Kafka', config], {
    stdio: ['ignore', out, out],
  });
  const brokers = [`${HOST}:${o.port}`];
  const clientConfig = (user: string, password: string): KafkaConfig => ({
    brokers,
    clientId: `lcs-test-${user}`,
    ssl: { ca: [readFileSync(o.pki.ca)] },
    sasl: { mechanism: 'scram-sha-512', username: user, password },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
  });
  const admin = new Kafka(clientConfig('admin', ADMIN_PASSWORD));
  let exited = false;
  proc.once('exit', () => (exited = true));
  await waitFor(
    `the secured Kafka on ${brokers[0]} (log: ${logFile})`,
    async () => {
      if (exited) throw new Error(`the secured Kafka exited during start-up; see ${logFile}`);
      const a = admin.admin();
      try {
        await a.connect();
        return (await a.describeCluster()).brokers.length === 1;
      } catch {
        return false;
      } finally {
        await a.disconnect().catch(() => {});
      }
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  return {
    brokers,
    logFile,
    admin,
    clientConfig,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
    },
  };
}
