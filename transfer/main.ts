// `lcs transfer`: wires the typed settings to the Transfer. No logic here.

import type { ComponentCommand } from '../common/component.ts';
import { esClient } from '../common/elasticsearch/client.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { kafkaConfig } from '../common/kafka/config.ts';
import { deadLetterProducer } from './consumer.ts';
import { transferSettings, validateTransferSettings } from './settings.ts';
import { Transfer, type TransferDeps } from './transfer.ts';
import type { Logger } from '../common/observe/logger.ts';

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

export const transferCommand: ComponentCommand<typeof transferSettings> = {
  settings: transferSettings,
  validate: validateTransferSettings,
  build(s, logger) {
    const etcd = createEtcd(s);
    const kafka = kafkaConfig(s, 'transfer');
    const es = esClient(s);
    const transfer = new Transfer(
      {
        member: s['transfer.member'] ?? `${s['node.name']}-${process.pid}`,
        groupId: s['transfer.groupId'],
        bulkDocs: s['transfer.bulkDocs'],
        bulkBytes: s['transfer.bulkBytes'],
        sessionTimeoutMs: s['transfer.sessionTimeout'],
        ...(s['transfer.indexReplicas'] === undefined ? {} : { indexReplicas: s['transfer.indexReplicas'] }),
        partitionsConcurrently: s['transfer.partitionsConcurrently'],
        statusIntervalMs: s['status.interval'],
      },
      {
        etcd,
        es,
        esCredentials: {
          ...(s['elasticsearch.apiKeyFile'] ? { apiKeyFile: s['elasticsearch.apiKeyFile'] } : {}),
          ...(s['elasticsearch.username'] ? { username: s['elasticsearch.username'] } : {}),
        },
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
