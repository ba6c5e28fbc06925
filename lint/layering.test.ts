// The layering check against deliberately wrong imports, through the repository's own ESLint
// configuration (so the test also proves the rule is switched on).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';
import { layeringProblem, roomOf } from './layering.ts';

const root = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function layering(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'lcs/layering').map((m) => m.message);
}

test('common/ importing a component fails the lint, naming both rooms', async () => {
  const messages = await layering(
    'common/config/bad.ts',
    "import { Agent } from '../../agent/agent.ts';\nvoid Agent;\n",
  );
  assert.equal(messages.length, 1);
  assert.match(
    messages[0]!,
    /^common\/ may not import agent\/ \(agent\/agent\.ts\): common\/ holds the shared contracts/,
  );
});

test('a component importing another fails, whatever the import form', async () => {
  const code = [
    "import type { TransferConfig } from '../../transfer/transfer.ts';",
    "export { Operator } from '../../operator/operator.ts';",
    "export * from '../../transfer/bulk.ts';",
    "const m = await import('../../transfer/main.ts');",
    'export type T = TransferConfig | typeof m;',
    '',
  ].join('\n');
  const messages = await layering('agent/pods/bad.ts', code);
  assert.equal(messages.length, 4, messages.join('\n'));
  assert.ok(messages.every((m) => /^agent\/ may not import (transfer|operator)\//.test(m)));
});

test('components importing cmd/, tests or the bootstrap fail too', async () => {
  assert.equal((await layering('transfer/bad.ts', "import '../cmd/lcs/commands.ts';\n")).length, 1);
  assert.equal((await layering('operator/bad.ts', "import '../test/support/wait.ts';\n")).length, 1);
  assert.equal((await layering('common/bad.ts', "import '../deploy/local/layout.ts';\n")).length, 1);
  assert.equal((await layering('deploy/local/bad.ts', "import '../../agent/agent.ts';\n")).length, 1);
});

test('what the layering allows passes', async () => {
  assert.deepEqual(
    await layering(
      'agent/pods/ok.ts',
      "import { ConfigError } from '../../common/errors.ts';\nimport { PodResolver } from './resolver.ts';\nimport { Agent } from '../agent.ts';\nimport { readFileSync } from 'node:fs';\nvoid [ConfigError, PodResolver, Agent, readFileSync];\n",
    ),
    [],
  );
  assert.deepEqual(
    await layering(
      'cmd/lcs/ok.ts',
      "await import('../../agent/main.ts');\nawait import('../../transfer/main.ts');\n",
    ),
    [],
  );
  assert.deepEqual(
    await layering('test/ok.ts', "import '../agent/agent.ts';\nimport '../transfer/bulk.ts';\n"),
    [],
  );
});

test('rooms are top-level folders; files at the root are in none', () => {
  assert.equal(roomOf(root, path.join(root, 'agent/pods/x.ts')), 'agent');
  assert.equal(roomOf(root, path.join(root, 'eslint.config.js')), undefined);
  assert.equal(roomOf(root, '/elsewhere/x.ts'), undefined);
  assert.equal(layeringProblem(root, path.join(root, 'common/x.ts'), 'yaml'), undefined);
  assert.match(
    layeringProblem(root, path.join(root, 'common/x.ts'), '../../../etc/x.ts') ?? '',
    /outside the repository/,
  );
});
