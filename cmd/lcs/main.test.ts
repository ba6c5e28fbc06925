import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { commands, nodeFlagsFor } from './commands.ts';

const main = join(import.meta.dirname, 'main.ts');
const launcher = join(import.meta.dirname, 'lcs');
const env = { ...process.env, LCS_ETCD_ENDPOINTS: '' };
const run = (...args: string[]) =>
  spawnSync(process.execPath, [...process.execArgv, main, ...args], { encoding: 'utf8', env });

test('lcs --help lists every component', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  for (const c of ['agent', 'transfer', 'operator']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  for (const c of Object.keys(commands)) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
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

test('a rule across settings exits 2 before anything starts and names the key to change', () => {
  const r = run('operator', '--leader-lease-duration', '5s', '--leader-renew-deadline', '10s');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /invalid setting leader\.renewDeadline: must be shorter than leader\.leaseDuration/);
  assert.doesNotMatch(r.stdout, /serving/);
});

test('an unknown command exits 2 with the usage', () => {
  const r = run('fly');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "fly"/);
});

test("lcs --node-flags prints a command's declared Node flags for the launcher", () => {
  const r = run('--node-flags', 'agent');
  assert.equal(r.status, 0);
  assert.deepEqual(r.stdout.trim().split('\n'), nodeFlagsFor('agent'));
  assert.ok(nodeFlagsFor('agent').includes('--no-allocation-site-pretenuring'));
  assert.deepEqual(run('--node-flags', 'transfer').stdout.trim().split('\n'), nodeFlagsFor('transfer'));
});

test('the launcher runs the CLI on the Node it is given, with no install step', () => {
  const r = spawnSync('sh', [launcher, 'transfer', '--help'], {
    encoding: 'utf8',
    env: { ...env, LCS_NODE: process.execPath },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: lcs transfer/);
  assert.equal(r.stderr, '');
});
