import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const main = join(import.meta.dirname, 'main.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [...process.execArgv, main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LCS_ETCD_ENDPOINTS: '' },
  });

test('lcs --help lists every component', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  for (const c of ['agent', 'transfer', 'operator']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
});

test('lcs <component> --help lists every flag with its environment name', () => {
  const r = run('agent', '--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--etcd-endpoints <list>[\s\S]*\[env LCS_ETCD_ENDPOINTS\]/);
  assert.match(r.stdout, /--agent-allowed-roots <list>[\s\S]*\[env LCS_ALLOWED_ROOTS\]/);
});

test('an invalid setting exits 2 and names the key', () => {
  const r = run('agent', '--agent-max-line-bytes', 'lots');
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /invalid setting agent\.maxLineBytes: must be an integer, got "lots" \(from --agent-max-line-bytes\)/,
  );
});

test('an unknown command exits 2 with the usage', () => {
  const r = run('fly');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "fly"/);
});
