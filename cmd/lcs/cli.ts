// `lcs <command> [flags]`: finds the command in commands.ts and runs it.

import { commands, tools } from './commands.ts';
import { runComponent } from './run-component.ts';

function usage(): string {
  return [
    'Usage: lcs <command> [flags]   (lcs <command> --help lists every flag)',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    'Tools:',
    ...Object.entries(tools).map(([name, t]) => `  ${name.padEnd(22)} ${t.summary}`),
  ].join('\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(usage() + '\n');
    return cmd ? 0 : 2;
  }
  if (Object.hasOwn(tools, cmd)) return await tools[cmd]!.run(rest);
  const entry = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
  if (!entry) {
    process.stderr.write(`lcs: unknown command "${cmd}"\n\n${usage()}\n`);
    return 2;
  }
  return await runComponent(cmd, entry.summary, await entry.load(), rest, env);
}
