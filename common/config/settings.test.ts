import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import { flagOf, loadSettings, parseDuration, renderHelp, setting, type SettingsOf } from './settings.ts';

const specs = {
  'etcd.endpoints': setting.list({
    env: 'LCS_ETCD_ENDPOINTS',
    default: ['http://127.0.0.1:2379'],
    description: 'etcd',
  }),
  'agent.maxLineBytes': setting.int({
    default: 10,
    description: 'max',
    check: (v) => (v > 0 ? undefined : 'must be greater than 0'),
  }),
  'agent.poll': setting.duration({ default: 250, description: 'poll' }),
  'kafka.tls': setting.bool({ default: false, description: 'tls' }),
};

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

test('the typed settings are derived from the one declaration', () => {
  const decls = {
    'a.count': setting.int({ default: 3, description: 'n' }),
    'a.name': setting.string({ description: 'no default' }),
    'a.mode': setting.oneOf(['fast', 'safe'], { default: 'safe', description: 'mode' }),
    'a.roots': setting.list({ default: [], description: 'roots' }),
  };
  const s: SettingsOf<typeof decls> = loadSettings(decls, { argv: ['--a-mode', 'fast'], env: {} });
  // Compile-time: a default makes a value always present; without one it may be undefined.
  const count: number = s['a.count'];
  const name: string | undefined = s['a.name'];
  const mode: 'fast' | 'safe' = s['a.mode'];
  const roots: string[] = s['a.roots'];
  // @ts-expect-error a setting without a default is not always present
  const required: string = s['a.name'];
  // @ts-expect-error there is no such setting
  void s['a.missing'];
  assert.deepEqual(
    { count, name, mode, roots, required },
    {
      count: 3,
      name: undefined,
      mode: 'fast',
      roots: [],
      required: undefined,
    },
  );
  assert.throws(
    () => loadSettings(decls, { argv: ['--config', 'c.yaml'], env: {}, readFile: () => 'a: {mode: quick}' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.key === 'a.mode' &&
      e.message === 'a.mode: must be fast or safe (from c.yaml)',
  );
});
