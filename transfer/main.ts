// `lcs transfer`: wires settings to the Transfer. No logic here.

import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';

type ClientOptions = ConstructorParameters<typeof Client>[0];
import type { ComponentCommand } from '../common/cli/component.ts';
import type { SettingValues } from '../common/config/settings.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { kafkaConfig } from '../common/kafka/config.ts';
import { deadLetterProducer } from './consumer.ts';
import { transferSettings } from './settings.ts';
import { Transfer, type TransferDeps } from './transfer.ts';
import type { Logger } from '../common/observe/logger.ts';

export function esClient(s: SettingValues): Client {
  const opts: ClientOptions = { node: String(s['elasticsearch.url']), requestTimeout: 60000 };
  const secret = (k: string) => readFileSync(String(s[k]), 'utf8').trim();
  if (s['elasticsearch.apiKeyFile']) opts.auth = { apiKey: secret('elasticsearch.apiKeyFile') };
  else if (s['elasticsearch.username'])
    opts.auth = {
      username: String(s['elasticsearch.username']),
      password: s['elasticsearch.passwordFile'] ? secret('elasticsearch.passwordFile') : '',
    };
  if (s['elasticsearch.caFile']) opts.tls = { ca: readFileSync(String(s['elasticsearch.caFile'])) };
  return new Client(opts);
}

/**
 * Test-only crash injection, never set in production: `LCS_TRANSFER_FAILPOINT=exit-after-ack:<n>`
 * kills the process with SIGKILL right after the n-th bulk chunk is acknowledged by
 * Elasticsearch and before its offset is committed — the window that exactly-once must
 * survive (test/transfer/kill-between-ack-and-commit.test.ts).
 */
export function failpointFrom(value: string | undefined, logger: Logger): Pick<TransferDeps, 'failpoint'> {
  const m = /^exit-after-ack:(\d+)$/.exec(value ?? '');
  if (!m) return {};
  let left = Number(m[1]);
  logger.warn('failpoint armed: this process will kill itself between a bulk ack and its commit', {
    after: left,
  });
  return {
    failpoint: (_point, at) => {
      if (--left > 0) return;
      logger.warn('failpoint: SIGKILL after bulk acknowledgement, before commit', at);
      process.kill(process.pid, 'SIGKILL');
    },
  };
}

export const transferCommand: ComponentCommand = {
  name: 'transfer',
  summary:
    'Consumes the collected topics from Kafka and indexes every event into Elasticsearch exactly once.',
  specs: transferSettings,
  build(s, logger) {
    const etcd = createEtcd(s);
    const kafka = kafkaConfig(s, 'transfer');
    const es = esClient(s);
    const transfer = new Transfer(
      {
        member: String(s['transfer.member'] ?? `${s['node.name']}-${process.pid}`),
        groupId: String(s['transfer.groupId']),
        bulkDocs: Number(s['transfer.bulkDocs']),
        bulkBytes: Number(s['transfer.bulkBytes']),
        sessionTimeoutMs: Number(s['transfer.sessionTimeout']),
        ...(s['transfer.indexReplicas'] === undefined
          ? {}
          : { indexReplicas: Number(s['transfer.indexReplicas']) }),
        partitionsConcurrently: Number(s['transfer.partitionsConcurrently']),
        statusIntervalMs: Number(s['status.interval']),
      },
      {
        etcd,
        es,
        kafka,
        deadLetter: deadLetterProducer(kafka),
        logger,
        ...failpointFrom(process.env.LCS_TRANSFER_FAILPOINT, logger),
      },
    );
    return {
      registry: transfer.registry,
      healthy: () => true,
      ready: () => transfer.ready,
      start: () => transfer.start(),
      shutdown: async () => {
        await transfer.shutdown();
        await es.close();
        etcd.close();
      },
    };
  },
};
