import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import { flagOf, loadSettings, parseDuration, renderHelp, type SettingSpec } from './settings.ts';

const specs: SettingSpec[] = [
  {
    key: 'etcd.endpoints',
    type: 'list',
    env: 'LCS_ETCD_ENDPOINTS',
    default: ['http://127.0.0.1:2379'],
    description: 'etcd',
  },
  {
    key: 'agent.maxLineBytes',
    type: 'int',
    default: 10,
    description: 'max',
    check: (v) => (Number(v) > 0 ? undefined : 'must be greater than 0'),
  },
  { key: 'agent.poll', type: 'duration', default: 250, description: 'poll' },
  { key: 'kafka.tls', type: 'bool', default: false, description: 'tls' },
];

test('precedence: flag > env > YAML > default', () => {
  const yaml = 'etcd:\n  endpoints: [http://yaml:2379]\nagent:\n  maxLineBytes: 5\n';
  const read = () => yaml;
  assert.deepEqual(loadSettings(specs, { argv: [], env: {} })['etcd.endpoints'], ['http://127.0.0.1:2379']);
  assert.deepEqual(
    loadSettings(specs, { argv: ['--config', 'f.yaml'], env: {}, readFile: read })['etcd.endpoints'],
    ['http://yaml:2379'],
  );
  assert.deepEqual(
    loadSettings(specs, {
      argv: ['--config', 'f.yaml'],
      env: { LCS_ETCD_ENDPOINTS: 'http://e1:1,http://e2:2' },
      readFile: read,
    })['etcd.endpoints'],
    ['http://e1:1', 'http://e2:2'],
  );
  const s = loadSettings(specs, {
    argv: ['--config=f.yaml', '--etcd-endpoints', 'http://flag:1', '--kafka-tls', '--agent-poll', '2s'],
    env: { LCS_ETCD_ENDPOINTS: 'http://e:1' },
    readFile: read,
  });
  assert.deepEqual(s['etcd.endpoints'], ['http://flag:1']);
  assert.equal(s['agent.maxLineBytes'], 5);
  assert.equal(s['kafka.tls'], true);
  assert.equal(s['agent.poll'], 2000);
});

test('errors name the key and where the value came from', () => {
  const bad = (argv: string[], env: Record<string, string> = {}, re: RegExp) =>
    assert.throws(
      () => loadSettings(specs, { argv, env, readFile: () => 'agent: {maxLineBytes: nope}' }),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
    );
  bad(
    ['--agent-max-line-bytes', 'x'],
    {},
    /^agent\.maxLineBytes: must be an integer, got "x" \(from --agent-max-line-bytes\)/,
  );
  bad(
    ['--agent-max-line-bytes', '0'],
    {},
    /^agent\.maxLineBytes: must be greater than 0 \(from --agent-max-line-bytes\)/,
  );
  bad(
    ['--config', 'c.yaml'],
    {},
    /^agent\.maxLineBytes: must be an integer, got "nope" \(from c\.yaml: agent\.maxLineBytes\)/,
  );
  bad(['--nope'], {}, /^--nope: unknown flag/);
  bad(['--agent-poll', 'soon'], {}, /^agent\.poll: must be a duration/);
  bad(['stray'], {}, /^stray: unexpected argument/);
});

test('durations and flags', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2m'), 120000);
  assert.equal(parseDuration('x'), undefined);
  assert.equal(flagOf('agent.maxLineBytes'), '--agent-max-line-bytes');
  const help = renderHelp('agent', 'Tails files.', specs);
  assert.match(
    help,
    /--etcd-endpoints <list>\n\s+etcd \(default http:\/\/127\.0\.0\.1:2379\)\s+\[env LCS_ETCD_ENDPOINTS\]/,
  );
});
