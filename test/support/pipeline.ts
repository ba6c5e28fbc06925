// A running pipeline for end-to-end tests: a fresh log folder under <repo>/logs, a unique
// run id (so topics and indices never collide with earlier runs), and the real `lcs agent`
// and `lcs transfer` processes pointed at the test services.

import { mkdirSync, mkdtempSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { agentStatusKey, TRANSFER_STATUS_PREFIX } from '../../common/keyspace.ts';
import { parseAgentStatus, type AgentStatus } from '../../common/status/agent.ts';
import { after, before } from 'node:test';
import type { Kafka } from 'kafkajs';
import { resetKeys, testEtcd } from './etcd.ts';
import { deleteIndices } from './elasticsearch.ts';
import { testKafka } from './kafka.ts';
import { repoRoot, startLcs, type LcsProcess } from './lcs-process.ts';
import { waitFor } from './wait.ts';

export interface Pipeline {
  id: string;
  etcdForStatus?: Etcd3;
  dir: string;
  node: string;
  stateDir: string;
  logDir: string;
  env: Record<string, string>;
  agent?: LcsProcess;
  transfer?: LcsProcess;
  startAgent(extraArgs?: string[], extraEnv?: Record<string, string>): LcsProcess;
  startTransfer(extraArgs?: string[], extraEnv?: Record<string, string>): LcsProcess;
  agentStatus(): Promise<AgentStatus | undefined>;
  stop(): Promise<void>;
}

export function newPipeline(prefix: string, env: Record<string, string> = {}): Pipeline {
  const id = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
  mkdirSync(join(repoRoot, 'logs'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, 'logs', `${id}-`));
  const stateDir = join(dir, '.state');
  const logDir = join(dir, '.proc');
  mkdirSync(logDir, { recursive: true });
  const node = `node-${id}`;
  const baseEnv: Record<string, string> = {
    LCS_NODE_NAME: node,
    LCS_STATE_DIR: stateDir,
    LCS_ALLOWED_ROOTS: dir,
    LCS_STATUS_INTERVAL: '500ms',
    LCS_TRANSFER_GROUP_ID: `lcs-transfer-${id}`,
    ...env,
  };
  const p: Pipeline = {
    id,
    dir,
    node,
    stateDir,
    logDir,
    env: baseEnv,
    startAgent(extraArgs = [], extraEnv = {}) {
      p.agent = startLcs('agent', extraArgs, { env: { ...baseEnv, ...extraEnv }, logDir, name: 'agent' });
      return p.agent;
    },
    startTransfer(extraArgs = [], extraEnv = {}) {
      p.transfer = startLcs('transfer', extraArgs, {
        env: { ...baseEnv, ...extraEnv },
        logDir,
        name: 'transfer',
      });
      return p.transfer;
    },
    async agentStatus() {
      if (!p.etcdForStatus) return undefined;
      const key = agentStatusKey(node);
      const raw = await p.etcdForStatus.get(key).string();
      if (raw === null) return undefined;
      // Read as the operator and the console read it, so a test sees what they would see.
      const parsed = parseAgentStatus(raw, key);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.value;
    },
    async stop() {
      await Promise.all([p.agent?.stop(), p.transfer?.stop()]);
    },
  };
  return p;
}

export function useEtcd(p: Pipeline, etcd: Etcd3): void {
  p.etcdForStatus = etcd;
}

export function appendLines(file: string, lines: string[]): void {
  appendFileSync(file, lines.map((l) => l + '\n').join(''));
}

export const numbered = (tag: string, from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${tag} line ${from + i}`);

/** Waits until the agent reports a tailer on `file` (state reading) for `collection`. */
export async function waitForTailer(
  p: Pipeline,
  collection: string,
  file: string,
  timeoutMs = 15000,
): Promise<void> {
  await waitFor(
    `agent tailing ${file} for ${collection}`,
    async () =>
      (await p.agentStatus())?.tailers.some(
        (t) => t.collection === collection && t.file === file && t.state === 'reading',
      ),
    { timeoutMs },
  );
}

/** Waits until a transfer replica reports it is consuming `topic` with partitions assigned. */
export async function waitForTransferTopic(etcd: Etcd3, topic: string, timeoutMs = 30000): Promise<void> {
  await waitFor(
    `transfer consuming ${topic}`,
    async () => {
      const all = await etcd.getAll().prefix(TRANSFER_STATUS_PREFIX).json();
      return Object.values(all).some((s) => {
        const a = (s as { assignment?: Record<string, number[]> }).assignment ?? {};
        return (a[topic]?.length ?? 0) > 0;
      });
    },
    { timeoutMs },
  );
}

/**
 * The usual life of a pipeline test file: an empty LCS keyspace before, the components
 * listed in `start` running, and afterwards the processes stopped, this run's indices
 * deleted and the keyspace emptied again. Call at module level.
 */
export function usePipeline(
  prefix: string,
  opts: { env?: Record<string, string>; start?: ('transfer' | 'agent')[] } = {},
): { p: Pipeline; etcd: Etcd3; kafka: Kafka } {
  const etcd = testEtcd();
  const kafka = testKafka();
  const p = newPipeline(prefix, opts.env);
  useEtcd(p, etcd);
  before(async () => {
    await resetKeys(etcd);
    for (const c of opts.start ?? []) {
      if (c === 'transfer') p.startTransfer();
      else p.startAgent();
    }
  });
  after(async () => {
    await p.stop();
    await deleteIndices(`*-${p.id}-*`).catch(() => {});
    await deleteIndices(`${p.id}-*`).catch(() => {});
    await resetKeys(etcd).catch(() => {});
    etcd.close();
  });
  return { p, etcd, kafka };
}
