// The lcs CLI: one subcommand per component.

import { agentCommand } from '../../agent/main.ts';
import { transferCommand } from '../../transfer/main.ts';
import { operatorCommand } from '../../operator/main.ts';
import { runComponent, type ComponentCommand } from './component.ts';

const commands: Record<string, ComponentCommand> = {
  agent: agentCommand,
  transfer: transferCommand,
  operator: operatorCommand,
};

function usage(): string {
  return [
    'Usage: lcs <command> [flags]   (lcs <command> --help lists every flag)',
    '',
    'Commands:',
    ...Object.values(commands).map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
  ].join('\n');
}

const [cmd, ...rest] = process.argv.slice(2);
if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
  process.stdout.write(usage() + '\n');
  process.exit(cmd ? 0 : 2);
}
const command = commands[cmd];
if (!command) {
  process.stderr.write(`lcs: unknown command "${cmd}"\n\n${usage()}\n`);
  process.exit(2);
}
process.exitCode = await runComponent(command, rest, process.env);
