// The transfer's settings: the shared ones plus what only the transfer needs.

import {
  elasticsearchSettings,
  etcdSettings,
  kafkaSettings,
  processSettings,
} from '../common/config/common-settings.ts';
import type { SettingSpec } from '../common/config/settings.ts';

export const transferSettings: SettingSpec[] = [
  ...etcdSettings,
  ...kafkaSettings,
  ...elasticsearchSettings,
  ...processSettings,
  {
    key: 'transfer.groupId',
    type: 'string',
    env: 'LCS_TRANSFER_GROUP_ID',
    default: 'lcs-transfer',
    description: 'Kafka consumer group shared by the transfer replicas',
  },
  {
    key: 'transfer.member',
    type: 'string',
    env: 'LCS_TRANSFER_MEMBER',
    description: "this replica's name in status (default: node name and pid)",
  },
  {
    key: 'transfer.bulkDocs',
    type: 'int',
    default: 2000,
    description: 'documents per bulk request',
    check: (v) => (Number(v) > 0 ? undefined : 'must be greater than 0'),
  },
  {
    key: 'transfer.bulkBytes',
    type: 'int',
    default: 5 * 1024 * 1024,
    description: 'bytes per bulk request body (a single larger document is sent alone)',
    check: (v) => (Number(v) > 0 ? undefined : 'must be greater than 0'),
  },
  {
    key: 'transfer.indexReplicas',
    type: 'int',
    env: 'LCS_TRANSFER_INDEX_REPLICAS',
    description:
      'index.number_of_replicas in the index template (default: the cluster default, 1; 0 on a one-node cluster)',
    check: (v) => (Number(v) >= 0 ? undefined : 'must be 0 or more'),
  },
  {
    key: 'transfer.sessionTimeout',
    type: 'duration',
    env: 'LCS_TRANSFER_SESSION_TIMEOUT',
    default: 30000,
    description:
      'how long the group waits for a silent replica (crashed, partitioned) before giving its partitions to the others',
    check: (v) => (Number(v) >= 6000 ? undefined : 'must be at least 6s (the broker minimum)'),
  },
  {
    key: 'transfer.partitionsConcurrently',
    type: 'int',
    default: 2,
    description: 'partitions indexed at the same time by one replica',
    check: (v) => (Number(v) > 0 ? undefined : 'must be greater than 0'),
  },
];
