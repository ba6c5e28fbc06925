// Apache Kafka 4.x in KRaft mode (one node, broker and controller in one JVM). There is no
// Debian package, so Maven resolves kafka_2.13 and its runtime classpath into the cache.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HOST } from './layout.ts';
import { runCommand, lastLines } from './command.ts';
import { mavenClasspath } from './install.ts';
import { ServiceError } from './errors.ts';
import { kafkaMetadataProbe } from './kafka-probe.ts';
import type { ServiceContext, ServiceDef } from './service.ts';
import type { Env } from './layout.ts';

export function kafkaVersion(env: Env): string {
  return env.LCS_KAFKA_VERSION || '4.1.1';
}

const SLF4J = '2.0.17';

function libDir(ctx: Pick<ServiceContext, 'cache' | 'env'>): string {
  return path.join(ctx.cache, `kafka-${kafkaVersion(ctx.env)}`, 'libs');
}

/** One node of a KRaft quorum (a cluster of `voters.length` nodes, every one broker and controller). */
/**
 * A KRaft cluster id: a 16-byte UUID in base64url, never starting with "-" — the storage
 * tool's argument parser would read such an id as an option and fail with "--cluster-id:
 * expected one argument" (Kafka's own Uuid.randomUuid() skips those ids for the same reason).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export interface KafkaNodeRole {
  nodeId: number;
  /** `id@host:controllerPort` of every voter, this node included. */
  voters: string[];
}

/**
 * The controller listens next to the broker: 9092 → 9093. One node alone replicates nothing;
 * a cluster of three keeps three copies and acknowledges acks=all writes once two have them,
 * so one broker may be down without refusing a write.
 */
export function renderServerProperties(dataDir: string, port: number, role?: KafkaNodeRole): string {
  const controller = port + 1;
  const nodeId = role?.nodeId ?? 1;
  const voters = role?.voters ?? [`1@${HOST}:${controller}`];
  const rf = Math.min(3, voters.length);
  const minIsr = rf >= 3 ? 2 : 1;
  return `# Written by LCS deploy/local on every start; edit kafka.ts instead.
process.roles=broker,controller
node.id=${nodeId}
controller.quorum.voters=${voters.join(',')}
listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controller}
advertised.listeners=PLAINTEXT://${HOST}:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${dataDir}
auto.create.topics.enable=true
num.partitions=4
default.replication.factor=${rf}
min.insync.replicas=${minIsr}
offsets.topic.replication.factor=${rf}
share.coordinator.state.topic.replication.factor=${rf}
share.coordinator.state.topic.min.isr=${minIsr}
transaction.state.log.replication.factor=${rf}
transaction.state.log.min.isr=${minIsr}
group.initial.rebalance.delay.ms=0
log.retention.hours=24
`;
}

export function javaArgs(ctx: Pick<ServiceContext, 'cache' | 'env'>, heap: string): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
    '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn',
    '-cp',
    `${libDir(ctx)}/*`,
  ];
}

export const kafka: ServiceDef = {
  name: 'kafka',
  endpoint: (host, port) => `${host}:${port}`,
  async install(ctx) {
    const version = kafkaVersion(ctx.env);
    if (fs.existsSync(path.join(libDir(ctx), '.complete'))) return;
    ctx.log(`installing kafka ${version} (maven: org.apache.kafka:kafka_2.13 and its runtime classpath)…`);
    await mavenClasspath(path.join(ctx.cache, `kafka-${version}`), [
      { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version },
      // Kafka logs through slf4j; pin the 2.x API next to its simple binding (stderr → our log file).
      { groupId: 'org.slf4j', artifactId: 'slf4j-api', version: SLF4J },
      { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: SLF4J },
    ]);
  },
  async prepare(ctx) {
    const config = path.join(ctx.paths.dir, 'server.properties');
    fs.mkdirSync(ctx.paths.data, { recursive: true });
    fs.writeFileSync(config, renderServerProperties(ctx.paths.data, ctx.port));
    if (!fs.existsSync(path.join(ctx.paths.data, 'meta.properties'))) {
      // KRaft storage must be formatted once with a cluster id (a base64url 16-byte UUID).
      const clusterId = newClusterId();
      ctx.log(`formatting kafka storage (cluster id ${clusterId})…`);
      const result = await runCommand('java', [
        ...javaArgs(ctx, '256m'),
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId,
        '--config',
        config,
        '--ignore-formatted',
      ]);
      fs.appendFileSync(ctx.paths.logFile, result.stdout + result.stderr);
      if (result.code !== 0) {
        throw new ServiceError(
          'start-failed',
          `kafka storage format failed:\n${lastLines(result.stdout + result.stderr, 30)}\n` +
            `hint: ${kafka.hint}`,
        );
      }
    }
    return { command: 'java', args: [...javaArgs(ctx, '512m'), 'kafka.Kafka', config] };
  },
  probe: (ctx) => kafkaMetadataProbe(HOST, ctx.port),
  startTimeoutMs: 90_000,
  stopGraceMs: 30_000,
  hint:
    'a data dir formatted for another cluster id or version will not start: `npm run services:down -- --purge kafka`; ' +
    'a broken classpath: delete ~/.cache/lcs/kafka-<version> to resolve it again',
};
