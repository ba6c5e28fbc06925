// The transfer's settings, declared once: the shared ones plus what only the transfer needs.
// The typed values (TransferSettings) are derived from this declaration;
// validateTransferSettings holds the rules across settings.

import {
  elasticsearchSettings,
  etcdSettings,
  kafkaSettings,
  processSettings,
  validateElasticsearchSettings,
  validateEtcdSettings,
  validateKafkaSettings,
} from '../common/config/common-settings.ts';
import { setting, type SettingsOf } from '../common/config/settings.ts';
import type { ConfigError } from '../common/errors.ts';

const positive = (v: number) => (v > 0 ? undefined : 'must be greater than 0');

export const transferSettings = {
  ...etcdSettings,
  ...kafkaSettings,
  ...elasticsearchSettings,
  ...processSettings,
  'transfer.groupId': setting.string({
    env: 'LCS_TRANSFER_GROUP_ID',
    default: 'lcs-transfer',
    description: 'Kafka consumer group shared by the transfer replicas',
  }),
  'transfer.member': setting.string({
    env: 'LCS_TRANSFER_MEMBER',
    description: "this replica's name in status (default: node name and pid)",
  }),
  'transfer.bulkDocs': setting.int({
    default: 2000,
    description: 'documents per bulk request',
    check: positive,
  }),
  'transfer.bulkBytes': setting.int({
    default: 5 * 1024 * 1024,
    description: 'bytes per bulk request body (a single larger document is sent alone)',
    check: positive,
  }),
  'transfer.indexReplicas': setting.int({
    env: 'LCS_TRANSFER_INDEX_REPLICAS',
    description:
      'index.number_of_replicas in the index template (default: the cluster default, 1; 0 on a one-node cluster)',
    check: (v) => (v >= 0 ? undefined : 'must be 0 or more'),
  }),
  'transfer.sessionTimeout': setting.duration({
    env: 'LCS_TRANSFER_SESSION_TIMEOUT',
    default: 30000,
    description:
      'how long the group waits for a silent replica (crashed, partitioned) before giving its partitions to the others',
    check: (v) => (v >= 6000 ? undefined : 'must be at least 6s (the broker minimum)'),
  }),
  'transfer.partitionsConcurrently': setting.int({
    default: 2,
    description: 'partitions indexed at the same time by one replica',
    check: positive,
  }),
};

export type TransferSettings = SettingsOf<typeof transferSettings>;

/** Rules across the transfer's settings; each problem names the key to change. */
export function validateTransferSettings(s: TransferSettings): ConfigError[] {
  return [...validateEtcdSettings(s), ...validateKafkaSettings(s), ...validateElasticsearchSettings(s)];
}
