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
    key: 'transfer.partitionsConcurrently',
    type: 'int',
    default: 2,
    description: 'partitions indexed at the same time by one replica',
    check: (v) => (Number(v) > 0 ? undefined : 'must be greater than 0'),
  },
];
