// The entry point of `lcs`. Checks the Node version before loading anything an older Node
// could not run (this file and node-version.ts import nothing else statically), then runs
// the CLI. The launcher (cmd/lcs/lcs) runs this file; so can `node` directly.
// `lcs --node-flags <command>` prints the Node flags that command runs with, one per line.

import { nodeVersionProblem } from './node-version.ts';

const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem) {
  process.stderr.write(`lcs: ${problem}\n`);
  process.exit(1);
}
const argv = process.argv.slice(2);
if (argv[0] === '--node-flags') {
  // The launcher asks this before every start: load the command table only, nothing else.
  const { nodeFlagsFor } = await import('./commands.ts');
  process.stdout.write(nodeFlagsFor(argv[1] ?? '').join('\n') + '\n');
} else {
  const { main } = await import('./cli.ts');
  process.exitCode = await main(argv, process.env);
}
