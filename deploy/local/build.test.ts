import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD_DIR, BUILT_MAIN, buildIsFresh, ensureBuild } from './build.ts';
import { REPO_ROOT } from './layout.ts';
import { nodeFlagsFor } from '../../cmd/lcs/commands.ts';

const agentFlags = nodeFlagsFor('agent');

/** A source file and the build inputs the launcher compares with the build's stamp. */
const INPUTS = ['agent/x.ts', 'cmd/lcs/main.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** A repo-shaped tree with the real launcher, a `node` that prints what it would run, and a build. */
function fakeTree(): {
  root: string;
  age: (rel: string, secondsAgo: number) => void;
  launch: (...a: string[]) => string;
  node: string;
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lcs-launcher-'));
  const put = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  put('cmd/lcs/lcs', fs.readFileSync(path.join(REPO_ROOT, 'cmd/lcs/lcs'), 'utf8'));
  // Answers the launcher's questions (its version, the command's flags) as Node 24 and the
  // real CLI would, and otherwise prints its arguments instead of running them.
  put(
    'bin/node',
    [
      '#!/bin/sh',
      'case "$1" in -p) echo "${FAKE_NODE_MAJOR:-24}"; exit 0 ;; --version) echo "v${FAKE_NODE_MAJOR:-24}.0.0"; exit 0 ;; esac',
      'if [ "${3:-}" = --node-flags ]; then',
      `  case "\${4:-}" in agent) printf '%s\\n' ${agentFlags.join(' ')} ;; *) echo --process-flag ;; esac; exit 0`,
      'fi',
      'echo "$@"',
      '',
    ].join('\n'),
  );
  fs.chmodSync(path.join(root, 'bin/node'), 0o755);
  for (const f of INPUTS) put(f, '');
  put('.lcs/build/cmd/lcs/main.js', '');
  put('.lcs/build/.stamp', '');
  const age = (rel: string, secondsAgo: number): void => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(path.join(root, rel), t, t);
  };
  for (const f of INPUTS) age(f, 60);
  const launch = (...a: string[]): string =>
    execFileSync('sh', [path.join(root, 'cmd/lcs/lcs'), ...a], {
      encoding: 'utf8',
      env: { ...process.env, LCS_NODE: path.join(root, 'bin/node') },
    }).trim();
  return { root, age, launch, node: path.join(root, 'bin/node') };
}

test('lcs runs the compiled build while it is newer than every source, and the sources otherwise', () => {
  const t = fakeTree();
  try {
    assert.equal(buildIsFresh(t.root), true);
    assert.equal(
      t.launch('transfer', '--help'),
      `--process-flag ${t.root}/.lcs/build/cmd/lcs/main.js transfer --help`,
    );
    assert.equal(t.launch('agent'), `${agentFlags.join(' ')} ${t.root}/.lcs/build/cmd/lcs/main.js agent`);

    t.age('.lcs/build/.stamp', 120); // a source edited after the build
    assert.equal(buildIsFresh(t.root), false);
    assert.equal(t.launch('transfer'), `--process-flag ${t.root}/cmd/lcs/main.ts transfer`);

    t.age('.lcs/build/.stamp', 0);
    t.age('package-lock.json', -60); // dependencies changed after the build
    assert.equal(buildIsFresh(t.root), false);
    assert.equal(t.launch('transfer'), `--process-flag ${t.root}/cmd/lcs/main.ts transfer`);

    fs.rmSync(path.join(t.root, '.lcs'), { recursive: true });
    assert.equal(buildIsFresh(t.root), false);
    assert.equal(t.launch('operator'), `--process-flag ${t.root}/cmd/lcs/main.ts operator`);
  } finally {
    fs.rmSync(t.root, { recursive: true, force: true });
  }
});

test('the launcher refuses a Node older than 24 with a message that says what to do, and installs nothing', () => {
  const t = fakeTree();
  try {
    const r = spawnSync('sh', [path.join(t.root, 'cmd/lcs/lcs'), 'agent'], {
      encoding: 'utf8',
      env: { ...process.env, LCS_NODE: t.node, FAKE_NODE_MAJOR: '20' },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /LCS needs Node\.js 24 or newer; found v20\.0\.0 .*set LCS_NODE/);
    assert.equal(r.stdout, '');
    assert.equal(fs.existsSync(path.join(t.root, 'node_modules')), false);
  } finally {
    fs.rmSync(t.root, { recursive: true, force: true });
  }
});

test('the compiled CLI runs and says what the sources say', () => {
  const main = ensureBuild();
  assert.equal(main, BUILT_MAIN);
  assert.equal(buildIsFresh(), true);
  const help = (entry: string): string =>
    execFileSync(process.execPath, [entry, 'agent', '--help'], { encoding: 'utf8', cwd: REPO_ROOT });
  const compiled = help(BUILT_MAIN);
  assert.match(compiled, /--agent-batch-bytes/);
  assert.equal(compiled, help(path.join(REPO_ROOT, 'cmd/lcs/main.ts')));
});

test("the build carries the console's web UI: the compiled server serves it, tests and the UI's tsconfig left out", async () => {
  ensureBuild();
  const ui = path.join(BUILD_DIR, 'console', 'ui');
  const files = fs.readdirSync(ui).sort();
  assert.ok(
    files.includes('index.html') && files.includes('app.ts') && files.includes('style.css'),
    files.join(' '),
  );
  assert.ok(!files.some((f) => f.endsWith('.test.ts') || f === 'tsconfig.json'), files.join(' '));
  const { uiAsset } = (await import(
    path.join(BUILD_DIR, 'console', 'ui-assets.js')
  )) as typeof import('../../console/ui-assets.ts');
  const page = await uiAsset('/');
  assert.match(String(page?.body), /<html/i);
  const app = await uiAsset('/ui/app.ts');
  assert.equal(app?.contentType, 'text/javascript; charset=utf-8');
});
