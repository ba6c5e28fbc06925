// The lcs CLI: one subcommand per component. Each component's code is loaded only when it
// runs: the agent on every node should not carry the operator's Kubernetes client or the
// transfer's Elasticsearch client in its memory.

import { runComponent, type ComponentCommand } from './component.ts';

const commands: Record<string, { summary: string; load: () => Promise<ComponentCommand> }> = {
  agent: {
    summary: 'Tails the log files named by the collect entries for this node and sends every line to Kafka.',
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
    load: async () => (await import('../../metrics/main.ts')).metricsCommand,
  },
  operator: {
    summary: 'Reconciles LogCollection resources into collect entries in etcd and reports their status.',
    load: async () => (await import('../../operator/main.ts')).operatorCommand,
  },
};

function usage(): string {
  return [
    'Usage: lcs <command> [flags]   (lcs <command> --help lists every flag)',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
  ].join('\n');
}

const [cmd, ...rest] = process.argv.slice(2);
if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
  process.stdout.write(usage() + '\n');
  process.exit(cmd ? 0 : 2);
}
const entry = commands[cmd];
if (!entry) {
  process.stderr.write(`lcs: unknown command "${cmd}"\n\n${usage()}\n`);
  process.exit(2);
}
process.exitCode = await runComponent(await entry.load(), rest, process.env);
