// The agent's settings: the shared ones plus what only the agent needs.

import { join } from 'node:path';
import { homedir } from 'node:os';
import { etcdSettings, kafkaSettings, processSettings } from '../common/config/common-settings.ts';
import type { SettingSpec } from '../common/config/settings.ts';
import { podSettings } from './pods/settings.ts';

const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? undefined : 'must be greater than 0');

export const agentSettings: SettingSpec[] = [
  ...etcdSettings,
  ...kafkaSettings,
  ...processSettings,
  {
    key: 'state.dir',
    type: 'string',
    env: 'LCS_STATE_DIR',
    default: join(homedir(), '.local', 'state', 'lcs', 'agent'),
    description: 'where checkpoints are kept (the only directory the agent writes)',
  },
  {
    key: 'agent.allowedRoots',
    type: 'list',
    env: 'LCS_ALLOWED_ROOTS',
    default: ['/var/log'],
    description: 'directories the agent may read below (symlinks resolved)',
    check: (v) =>
      (v as string[]).every((r) => r.startsWith('/')) ? undefined : 'every root must be an absolute path',
  },
  {
    key: 'agent.nodeLabels',
    type: 'list',
    env: 'LCS_NODE_LABELS',
    default: [],
    description: "this node's labels as key=value, for entries with a nodes.selector (standalone mode)",
    check: (v) =>
      (v as string[]).every((l) => /^[^=]+=.*$/.test(l)) ? undefined : 'each label must be key=value',
  },
  {
    key: 'agent.maxBufferedBytes',
    type: 'int',
    env: 'LCS_AGENT_MAX_BUFFERED_BYTES',
    default: 4 * 1024 * 1024,
    description: 'bytes read but not yet acknowledged by Kafka before reading pauses',
    check: positive,
  },
  {
    key: 'agent.batchBytes',
    type: 'int',
    default: 512 * 1024,
    description: 'bytes per Kafka produce request',
    check: positive,
  },
  {
    key: 'agent.linger',
    type: 'duration',
    default: 20,
    description: 'how long a partial batch waits for more events',
  },
  {
    key: 'agent.maxLineBytes',
    type: 'int',
    default: 512 * 1024,
    description: 'longer lines are truncated to this and marked event.truncated',
    check: positive,
  },
  {
    key: 'agent.maxRecordBytes',
    type: 'int',
    default: 900 * 1024,
    description:
      "largest Kafka record the agent sends (keep under the topic's max.message.bytes, default 1 MB)",
    check: positive,
  },
  {
    key: 'agent.readBuffers',
    type: 'int',
    default: 4,
    description: 'read buffers shared by all files (memory for reading is readChunkBytes × this)',
    check: positive,
  },
  {
    key: 'agent.readChunkBytes',
    type: 'int',
    default: 256 * 1024,
    description: 'bytes per file read',
    check: positive,
  },
  {
    key: 'agent.poll',
    type: 'duration',
    default: 250,
    description: 'how often an idle file is checked for growth, truncation and rotation',
  },
  {
    key: 'agent.pollMax',
    type: 'duration',
    default: 10000,
    description:
      "idle polling backs off up to this (a safety net: file events wake a tailer at once, as with Filebeat's backoff)",
  },
  {
    key: 'agent.pollWatchedMax',
    type: 'duration',
    default: 60000,
    description:
      'the idle polling ceiling while file events work (inotify): polling is then only a safety net under them; agent.pollMax applies when the watcher fails',
  },
  {
    key: 'agent.drainIdle',
    type: 'duration',
    default: 5000,
    description: 'a rotated or deleted file is closed after this long without new data',
  },
  {
    key: 'agent.rescan',
    type: 'duration',
    default: 5000,
    description: 'how often globs are re-expanded (a safety net under the file watcher)',
  },
  {
    key: 'agent.maxFilesPerCollection',
    type: 'int',
    default: 2000,
    description: 'files one collection may follow on one node',
    check: positive,
  },
  {
    key: 'agent.kafkaClient',
    type: 'string',
    env: 'LCS_AGENT_KAFKA_CLIENT',
    default: 'direct',
    description:
      'how records reach Kafka: direct (LCS encodes record batches, kafkajs connections), kafkajs or platformatic (@platformatic/kafka); see docs/benchmarks-agent.md',
    check: (v) =>
      v === 'direct' || v === 'kafkajs' || v === 'platformatic'
        ? undefined
        : 'must be direct, kafkajs or platformatic',
  },
  ...podSettings,
];
