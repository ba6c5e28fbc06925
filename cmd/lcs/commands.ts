// The composition root: every `lcs` subcommand, what it does, and the Node/V8 flags its
// process runs with. Each component's code is loaded only when it runs: the agent on every
// node should not carry the operator's Kubernetes client or the transfer's Elasticsearch
// client in its memory. The only place that imports every component (lint/layering.ts).

import type { ComponentCommand, ComponentDeclarations } from '../../common/component.ts';

export interface CommandEntry {
  summary: string;
  /** Node/V8 flags for this command's process; the launcher (cmd/lcs/lcs) passes them to node. */
  nodeFlags?: readonly string[];
  load(): Promise<ComponentCommand<ComponentDeclarations>>;
}

/** For every command's process: kafkajs 2.2.4 schedules a negative timeout on Node >= 22
 * (harmless, docs/decisions.md), and type stripping is still announced as experimental. */
export const PROCESS_NODE_FLAGS = [
  '--disable-warning=ExperimentalWarning',
  '--disable-warning=TimeoutNegativeWarning',
] as const;

export const commands: Record<string, CommandEntry> = {
  agent: {
    summary: 'Tails the log files named by the collect entries for this node and sends every line to Kafka.',
    // The agent runs on every node. A smaller young generation keeps its memory down at no CPU
    // cost; allocation-site pretenuring, once it saw lines survive while Kafka was slow,
    // allocated every later line's objects in the old generation (tens of MB of garbage
    // between full GCs). Both measured with bench/agent (docs/benchmarks-agent.md), which
    // runs the agent with these same flags.
    nodeFlags: ['--max-semi-space-size=8', '--no-allocation-site-pretenuring'],
    load: async () => (await import('../../agent/main.ts')).agentCommand,
  },
  transfer: {
    summary:
      'Consumes the collected topics from Kafka and indexes every event into Elasticsearch exactly once.',
    load: async () => (await import('../../transfer/main.ts')).transferCommand,
  },
  metrics: {
    summary:
      "Samples this host into InfluxDB in Telegraf's schema, and the log pipeline's status as lcs_* measurements.",
    // A per-node sampler with a small heap: the smallest young generation cuts its RSS from
    // ~112 to ~96 MB at the same CPU per sample (bench/metrics, docs/benchmarks.md).
    nodeFlags: ['--max-semi-space-size=1'],
    load: async () => (await import('../../metrics/main.ts')).metricsCommand,
  },
  console: {
    summary:
      'Serves the web UI and API: collect entries with validation, history and audit; every node live; search, live tail and dead letters.',
    load: async () => (await import('../../console/main.ts')).consoleCommand,
  },
  operator: {
    summary:
      'Reconciles LogCollection resources into collect entries in etcd and reports what the agents do with them.',
    load: async () => (await import('../../operator/main.ts')).operatorCommand,
  },
};

/** One-shot helpers, not long-running components: run, print, exit. */
export const tools: Record<string, { summary: string; run(argv: string[]): Promise<number> }> = {
  'console-hash-password': {
    summary: "Reads a password on stdin and prints the scrypt hash for the console's users file.",
    run: async (argv) => (await import('../../console/tools.ts')).hashPasswordTool(argv),
  },
  'kibana-data-views': {
    summary:
      "Makes a Kibana data view per index pattern through Kibana's API (the chart's post-install Job).",
    run: async (argv) => (await import('./kibana-data-views.ts')).kibanaDataViewsTool(argv),
  },
  'console-token': {
    summary: 'Makes a bearer token for automation and prints the users-file entry that holds its hash.',
    run: async (argv) => (await import('../../console/tools.ts')).tokenTool(argv),
  },
};

/** Every Node flag `lcs <name>` runs with (an unknown name gets the process flags only). */
export function nodeFlagsFor(name: string): string[] {
  return [...PROCESS_NODE_FLAGS, ...(Object.hasOwn(commands, name) ? (commands[name]!.nodeFlags ?? []) : [])];
}
