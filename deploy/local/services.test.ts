// Unit tests for the pure parts of the local stack: layout from the environment, rendered
// configs, pidfile parsing and the Kafka health probe's wire format. Starting the real
// services is exercised by `npm test` (test/run.ts) and by `npm run services:up`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheDir, port, reachableByOthers, servicePaths, servicesDir } from './layout.ts';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError } from './errors.ts';
import { parsePidfile, processStartTime } from './process.ts';
import { etcdArgs } from './etcd.ts';
import { newClusterId, renderServerProperties } from './kafka.ts';
import { etcdMemberArgs } from './etcd-cluster.ts';
import { renderElasticsearchYml } from './elasticsearch.ts';
import { renderInfluxConfig } from './influxdb.ts';
import { brokerCount, encodeMetadataRequest } from './kafka-probe.ts';
import { renderPom } from './install.ts';

test('ports default to the well-known ones and follow LCS_<NAME>_PORT', () => {
  assert.equal(port('etcd', {}), 2379);
  assert.equal(port('kafka', {}), 9092);
  assert.equal(port('elasticsearch', {}), 9200);
  assert.equal(port('influxdb', {}), 8086);
  assert.equal(port('victoriametrics', {}), 8428);
  assert.equal(port('kafka', { LCS_KAFKA_PORT: '19092' }), 19092);
  assert.equal(port('etcd', { LCS_ETCD_PORT: '' }), 2379);
});

test('a malformed port names its variable', () => {
  for (const bad of ['x', '0', '70000', '12.5']) {
    assert.throws(
      () => port('influxdb', { LCS_INFLUXDB_PORT: bad }),
      (err: unknown) =>
        err instanceof ServiceError && err.code === 'bad-config' && err.message.includes('LCS_INFLUXDB_PORT'),
    );
  }
});

test('state lives under LCS_SERVICES_DIR and the cache under LCS_CACHE_DIR or ~/.cache/lcs', () => {
  assert.equal(servicesDir({ LCS_SERVICES_DIR: '/srv/lcs' }), '/srv/lcs');
  assert.deepEqual(servicePaths('kafka', { LCS_SERVICES_DIR: '/srv/lcs' }), {
    dir: '/srv/lcs/kafka',
    data: '/srv/lcs/kafka/data',
    logFile: '/srv/lcs/kafka/kafka.log',
    pidFile: '/srv/lcs/kafka/kafka.pid',
  });
  assert.equal(cacheDir({ HOME: '/home/dev' }), '/home/dev/.cache/lcs');
  assert.equal(cacheDir({ HOME: '/home/dev', LCS_CACHE_DIR: '/var/cache/x' }), '/var/cache/x');
});

test('a pidfile is "<pid> <start time>"; anything else is stale', () => {
  assert.deepEqual(parsePidfile('123 456\n'), { pid: 123, startTime: '456' });
  assert.equal(parsePidfile('123'), undefined);
  assert.equal(parsePidfile('garbage 1'), undefined);
  assert.equal(parsePidfile('1 5'), undefined); // never init
  assert.match(processStartTime(process.pid) ?? '', /^\d+$/);
});

test('etcd listens on loopback with the peer port next to the client port', () => {
  const args = etcdArgs('/d', 2379);
  assert.ok(args.includes('--listen-client-urls=http://127.0.0.1:2379'));
  assert.ok(args.includes('--listen-peer-urls=http://127.0.0.1:2380'));
  assert.ok(args.includes('--initial-cluster=lcs=http://127.0.0.1:2380'));
  assert.ok(args.includes('--data-dir=/d'));
});

test('kafka runs KRaft broker+controller on loopback with single-node replication', () => {
  const props = renderServerProperties('/d', 9092);
  for (const line of [
    'process.roles=broker,controller',
    'controller.quorum.voters=1@127.0.0.1:9093',
    'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
    'log.dirs=/d',
    'auto.create.topics.enable=true',
    'num.partitions=4',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
  ]) {
    assert.ok(props.split('\n').includes(line), line);
  }
});

test('a node of a three-node KRaft cluster keeps three copies and acknowledges on two', () => {
  const voters = ['1@127.0.0.1:29093', '2@127.0.0.1:29103', '3@127.0.0.1:29113'];
  const lines = renderServerProperties('/d2', 29102, { nodeId: 2, voters }).split('\n');
  for (const line of [
    'node.id=2',
    'controller.quorum.voters=1@127.0.0.1:29093,2@127.0.0.1:29103,3@127.0.0.1:29113',
    'listeners=PLAINTEXT://127.0.0.1:29102,CONTROLLER://127.0.0.1:29103',
    'default.replication.factor=3',
    'min.insync.replicas=2',
    'offsets.topic.replication.factor=3',
    'transaction.state.log.min.isr=2',
  ]) {
    assert.ok(lines.includes(line), line);
  }
});

test('a member of a three-member etcd lists every peer and its own ports', () => {
  const cluster = 'm1=http://127.0.0.1:29380,m2=http://127.0.0.1:29390,m3=http://127.0.0.1:29400';
  const args = etcdMemberArgs('/m2', 'm2', 29389, cluster);
  for (const a of [
    '--name=m2',
    '--data-dir=/m2',
    '--listen-client-urls=http://127.0.0.1:29389',
    '--listen-peer-urls=http://127.0.0.1:29390',
    `--initial-cluster=${cluster}`,
  ])
    assert.ok(args.includes(a), a);
});

test('elasticsearch is single-node on loopback, security off only when the module exists', () => {
  const yml = renderElasticsearchYml('/s', 9200, true);
  assert.match(yml, /^discovery\.type: single-node$/m);
  assert.match(yml, /^network\.host: 127\.0\.0\.1$/m);
  assert.match(yml, /^transport\.port: 9300$/m);
  assert.match(yml, /^path\.data: \/s\/data$/m);
  assert.match(yml, /^xpack\.security\.enabled: false$/m);
  assert.doesNotMatch(renderElasticsearchYml('/s', 9200, false), /xpack/);
});

test('a node of a three-node Elasticsearch discovers its peers and names the first masters', () => {
  const yml = renderElasticsearchYml('/n2', 39210, true, {
    nodeName: 'n2',
    seedHosts: ['127.0.0.1:39300', '127.0.0.1:39310', '127.0.0.1:39320'],
    initialMasters: ['n1', 'n2', 'n3'],
  });
  assert.match(yml, /^node\.name: n2$/m);
  assert.match(
    yml,
    /^discovery\.seed_hosts: \[127\.0\.0\.1:39300, 127\.0\.0\.1:39310, 127\.0\.0\.1:39320\]$/m,
  );
  assert.match(yml, /^cluster\.initial_master_nodes: \[n1, n2, n3\]$/m);
  assert.match(yml, /^transport\.port: 39310$/m);
  assert.doesNotMatch(yml, /single-node/);
});

test('influxdb keeps every directory under the state dir and binds loopback', () => {
  const conf = renderInfluxConfig('/d', 8086, 8088);
  assert.match(conf, /bind-address = "127\.0\.0\.1:8088"/);
  assert.match(conf, /bind-address = "127\.0\.0\.1:8086"/);
  assert.match(conf, /wal-dir = "\/d\/wal"/);
  assert.match(conf, /reporting-disabled = true/);
});

test('the kafka probe sends Metadata v4 and counts brokers in the answer', () => {
  const req = encodeMetadataRequest('c');
  assert.equal(req.readInt32BE(0), req.length - 4);
  assert.equal(req.readInt16BE(4), 3); // Metadata
  assert.equal(req.readInt16BE(6), 4); // v4
  const correlationId = req.readInt32BE(8);
  const answer = (correlation: number, brokers: number): Buffer => {
    const b = Buffer.alloc(16);
    b.writeInt32BE(12, 0);
    b.writeInt32BE(correlation, 4);
    b.writeInt32BE(0, 8);
    b.writeInt32BE(brokers, 12);
    return b;
  };
  assert.equal(brokerCount(answer(correlationId, 1)), 1);
  assert.equal(brokerCount(answer(correlationId + 1, 1)), undefined);
  assert.equal(brokerCount(Buffer.alloc(3)), undefined);
});

test('the pom lists exactly the requested dependencies', () => {
  const pom = renderPom([{ groupId: 'g', artifactId: 'a', version: '1' }]);
  assert.match(pom, /<groupId>g<\/groupId><artifactId>a<\/artifactId><version>1<\/version>/);
  assert.match(pom, /<packaging>pom<\/packaging>/);
});

test('a folder inside a private (0700) one is not reachable by the Elasticsearch user', () => {
  const closed = mkdtempSync(join(tmpdir(), 'lcs-closed-')); // mkdtemp makes it 0700
  mkdirSync(join(closed, 'repo'), { mode: 0o755 });
  assert.equal(reachableByOthers(join(closed, 'repo', '.lcs', 'services')), false);
  assert.equal(reachableByOthers('/var/lib/lcs/services-x'), true);
  // Without LCS_SERVICES_DIR the default is either inside the repo or, for a closed clone run
  // by root, under /var/lib/lcs — never a folder the Elasticsearch user cannot reach.
  assert.ok(reachableByOthers(servicesDir({})) || process.getuid?.() !== 0);
});

test('a Kafka cluster id never starts with "-", which the storage tool would read as an option', () => {
  // 0xf8 encodes to "-" as the first base64url character: the first draw must be skipped.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
  const id = newClusterId(() => draws.shift() ?? Buffer.alloc(16, 0x02));
  assert.equal(draws.length, 0);
  assert.equal(id, Buffer.alloc(16, 0x01).toString('base64url'));
  assert.equal(id.length, 22);
  for (let i = 0; i < 1000; i++) assert.doesNotMatch(newClusterId(), /^-/);
});
