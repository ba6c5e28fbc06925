import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILT_MAIN, buildIsFresh, ensureBuild } from './build.ts';
import { REPO_ROOT } from './layout.ts';

/** A source file and the build inputs the launcher compares with the build's stamp. */
const INPUTS = [
  'agent/x.ts',
  'common/cli/main.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
];

/** A repo-shaped tree with the real launcher, a run.sh that prints what it would run, and a build. */
function fakeTree(): {
  root: string;
  age: (rel: string, secondsAgo: number) => void;
  launch: (...a: string[]) => string;
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lcs-launcher-'));
  const put = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  put('common/bin/lcs', fs.readFileSync(path.join(REPO_ROOT, 'common/bin/lcs'), 'utf8'));
  put('deploy/local/run.sh', 'echo "$@"\n');
  for (const f of INPUTS) put(f, '');
  put('.lcs/build/common/cli/main.js', '');
  put('.lcs/build/.stamp', '');
  const age = (rel: string, secondsAgo: number): void => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(path.join(root, rel), t, t);
  };
  for (const f of INPUTS) age(f, 60);
  const launch = (...a: string[]): string =>
    execFileSync('sh', [path.join(root, 'common/bin/lcs'), ...a], { encoding: 'utf8' }).trim();
  return { root, age, launch };
}

test('lcs runs the compiled build while it is newer than every source, and the sources otherwise', () => {
  const t = fakeTree();
  try {
    assert.equal(buildIsFresh(t.root), true);
    assert.equal(t.launch('transfer', '--help'), `${t.root}/.lcs/build/common/cli/main.js transfer --help`);
    assert.match(
      t.launch('agent'),
      /^--max-semi-space-size=8 --no-allocation-site-pretenuring \S+\/\.lcs\/build\/common\/cli\/main\.js agent$/,
    );

    t.age('.lcs/build/.stamp', 120); // a source edited after the build
    assert.equal(buildIsFresh(t.root), false);
    assert.equal(t.launch('transfer'), `${t.root}/common/cli/main.ts transfer`);

    t.age('.lcs/build/.stamp', 0);
    t.age('package-lock.json', -60); // dependencies changed after the build
    assert.equal(buildIsFresh(t.root), false);
    assert.equal(t.launch('transfer'), `${t.root}/common/cli/main.ts transfer`);

    fs.rmSync(path.join(t.root, '.lcs'), { recursive: true });
    assert.equal(buildIsFresh(t.root), false);
    assert.equal(t.launch('operator'), `${t.root}/common/cli/main.ts operator`);
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
  assert.equal(compiled, help(path.join(REPO_ROOT, 'common/cli/main.ts')));
});
