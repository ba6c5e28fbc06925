// Runs the real `lcs agent` CLI as a child process (as users run it), optionally under
// `node --cpu-prof`, and hands it one collect entry for the benchmark's files.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { adhocEntryKey, agentStatusKey } from '../../common/keyspace.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface AgentRun {
  pid: number;
  proc: ChildProcess;
  node: string;
  logs(): string;
  /** Resolves once the agent wrote its first status record (it is up and watching etcd). */
  ready(etcd: Etcd3, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface AgentOptions {
  dir: string;
  node: string;
  etcd: string;
  kafka: string;
  /** Extra `lcs agent` flags, e.g. --agent-batch-bytes 1048576. */
  args: string[];
  env?: Record<string, string>;
  /** The CLI entry point: the compiled build (what `lcs` runs when built) or main.ts. */
  main?: string;
  /** Node/V8 flags for the agent's command line (what `lcs agent` runs with, cmd/lcs/commands.ts, or others). */
  nodeFlags?: string[];
  /** Directory for a V8 CPU profile (node --cpu-prof), or undefined for none. */
  profileDir?: string;
}

export function startAgent(o: AgentOptions): AgentRun {
  mkdirSync(join(o.dir, '.proc'), { recursive: true });
  const logFile = join(o.dir, '.proc', `agent-${o.node}.log`);
  const out = createWriteStream(logFile);
  const nodeFlags = ['--disable-warning=ExperimentalWarning', '--disable-warning=TimeoutNegativeWarning'];
  nodeFlags.push(...(o.nodeFlags ?? []));
  if (o.profileDir) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${o.profileDir}`);
  const proc = spawn(
    process.execPath,
    [...nodeFlags, o.main ?? join(repoRoot, 'cmd/lcs/main.ts'), 'agent', ...o.args],
    {
      env: {
        ...process.env,
        LCS_ETCD_ENDPOINTS: o.etcd,
        LCS_KAFKA_BROKERS: o.kafka,
        LCS_NODE_NAME: o.node,
        LCS_STATE_DIR: join(o.dir, `.state-${o.node}`),
        LCS_ALLOWED_ROOTS: o.dir,
        LCS_STATUS_INTERVAL: '1s',
        LCS_LOG_LEVEL: 'info',
        ...o.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  proc.stdout!.pipe(out, { end: false });
  proc.stderr!.pipe(out, { end: false });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    pid: proc.pid!,
    proc,
    node: o.node,
    logs: () => readFileSync(logFile, 'utf8'),
    async ready(etcd, timeoutMs = 30000) {
      const until = Date.now() + timeoutMs;
      while ((await etcd.get(agentStatusKey(o.node)).string()) === null) {
        if (proc.exitCode !== null) throw new Error(`lcs agent exited (${proc.exitCode}); see ${logFile}`);
        if (Date.now() > until)
          throw new Error(`lcs agent wrote no status in ${timeoutMs / 1000} s; see ${logFile}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The collect entry: every *.log in the folder, from the beginning, only on the bench's node. */
export function collectEntry(dir: string, topic: string, node: string): string {
  return JSON.stringify({
    source: { files: { paths: [`${dir}/*.log`] } },
    nodes: { names: [node] },
    topic,
    startAt: 'beginning',
  });
}

export { adhocEntryKey };
