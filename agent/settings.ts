// The agent's settings, declared once: the shared ones plus what only the agent needs. The
// typed values (AgentSettings) are derived from this declaration; validateAgentSettings holds
// the rules across settings.

import { join } from 'node:path';
import { homedir } from 'node:os';
import {
  etcdSettings,
  kafkaSettings,
  processSettings,
  validateEtcdSettings,
  validateKafkaSettings,
} from '../common/config/common-settings.ts';
import { setting, type SettingsOf } from '../common/config/settings.ts';
import { ConfigError } from '../common/errors.ts';
import { podSettings } from './pods/settings.ts';

const positive = (v: number) => (v > 0 ? undefined : 'must be greater than 0');

export const agentSettings = {
  ...etcdSettings,
  ...kafkaSettings,
  ...processSettings,
  'state.dir': setting.string({
    env: 'LCS_STATE_DIR',
    default: join(homedir(), '.local', 'state', 'lcs', 'agent'),
    description: 'where checkpoints are kept (the only directory the agent writes)',
  }),
  'agent.allowedRoots': setting.list({
    env: 'LCS_ALLOWED_ROOTS',
    default: ['/var/log'],
    description: 'directories the agent may read below (symlinks resolved)',
    check: (v) => (v.every((r) => r.startsWith('/')) ? undefined : 'every root must be an absolute path'),
  }),
  'agent.nodeLabels': setting.list({
    env: 'LCS_NODE_LABELS',
    default: [],
    description: "this node's labels as key=value, for entries with a nodes.selector (standalone mode)",
    check: (v) => (v.every((l) => /^[^=]+=.*$/.test(l)) ? undefined : 'each label must be key=value'),
  }),
  'agent.maxBufferedBytes': setting.int({
    env: 'LCS_AGENT_MAX_BUFFERED_BYTES',
    default: 4 * 1024 * 1024,
    description: 'bytes read but not yet acknowledged by Kafka before reading pauses',
    check: positive,
  }),
  'agent.batchBytes': setting.int({
    default: 512 * 1024,
    description: 'bytes per Kafka produce request',
    check: positive,
  }),
  'agent.linger': setting.duration({
    default: 20,
    description: 'how long a partial batch waits for more events',
  }),
  'agent.maxLineBytes': setting.int({
    default: 512 * 1024,
    description: 'longer lines are truncated to this and marked event.truncated',
    check: positive,
  }),
  'agent.maxRecordBytes': setting.int({
    default: 900 * 1024,
    description:
      "largest Kafka record the agent sends (keep under the topic's max.message.bytes, default 1 MB)",
    check: positive,
  }),
  'agent.readBuffers': setting.int({
    default: 4,
    description: 'read buffers shared by all files (memory for reading is readChunkBytes × this)',
    check: positive,
  }),
  'agent.readChunkBytes': setting.int({
    default: 256 * 1024,
    description: 'bytes per file read',
    check: positive,
  }),
  'agent.poll': setting.duration({
    default: 250,
    description: 'how often an idle file is checked for growth, truncation and rotation',
  }),
  'agent.pollMax': setting.duration({
    default: 10000,
    description:
      "idle polling backs off up to this (a safety net: file events wake a tailer at once, as with Filebeat's backoff)",
  }),
  'agent.pollWatchedMax': setting.duration({
    default: 60000,
    description:
      'the idle polling ceiling while file events work (inotify): polling is then only a safety net under them; agent.pollMax applies when the watcher fails',
  }),
  'agent.drainIdle': setting.duration({
    default: 5000,
    description: 'a rotated or deleted file is closed after this long without new data',
  }),
  'agent.rescan': setting.duration({
    default: 5000,
    description: 'how often globs are re-expanded (a safety net under the file watcher)',
  }),
  'agent.maxFilesPerCollection': setting.int({
    default: 2000,
    description: 'files one collection may follow on one node',
    check: positive,
  }),
  ...podSettings,
};

export type AgentSettings = SettingsOf<typeof agentSettings>;

/** Rules across the agent's settings; each problem names the key to change. */
export function validateAgentSettings(s: AgentSettings): ConfigError[] {
  const problems = [...validateEtcdSettings(s), ...validateKafkaSettings(s)];
  if (s['agent.pollMax'] < s['agent.poll'])
    problems.push(
      new ConfigError(
        'agent.pollMax',
        `must be at least agent.poll (${s['agent.poll']} ms): idle polling backs off from agent.poll up to it`,
      ),
    );
  return problems;
}

/** `agent.nodeLabels` (key=value, checked above) as a label map. */
export function nodeLabelsOf(s: Pick<AgentSettings, 'agent.nodeLabels'>): Record<string, string> {
  return Object.fromEntries(
    s['agent.nodeLabels'].map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
