import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../common/config/settings.ts';
import { ConfigError } from '../common/errors.ts';
import { consoleSecretsFrom, validateConsoleSettings } from './main.ts';
import { consoleSettings } from './settings.ts';

const settings = (env: Record<string, string>) => loadSettings(consoleSettings, { argv: [], env });

test('bad console settings fail at start-up naming the key', () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [
      { LCS_CONSOLE_USERS_FILE: '/nonexistent/users.yaml' },
      'console.usersFile',
      /cannot read \/nonexistent\/users.yaml/,
    ],
    [{ LCS_CONSOLE_SESSION_KEY_FILE: '/nonexistent/key' }, 'console.sessionKeyFile', /cannot read/],
    [{ LCS_ETCD_PASSWORD_FILE: '/x' }, 'etcd.username', /must be set with etcd.passwordFile/],
  ];
  for (const [env, key, re] of cases) {
    const problems = validateConsoleSettings(settings(env));
    assert.equal(problems[0]?.key, key, JSON.stringify(env));
    assert.match(problems[0]!.message, re);
  }
  assert.throws(
    () => settings({ LCS_CONSOLE_LISTEN: 'nowhere' }),
    (e: unknown) => e instanceof ConfigError && e.key === 'console.listen',
  );
  assert.throws(
    () => settings({ LCS_CONSOLE_KEY_PREFIXES: 'lcs' }),
    (e: unknown) => e instanceof ConfigError && e.key === 'console.keyPrefixes',
  );
});

test('the defaults: loopback, read-only, a random session key', () => {
  const s = settings({});
  assert.equal(s['console.listen'], '127.0.0.1:8090');
  const secrets = consoleSecretsFrom(s);
  assert.equal(secrets.users, undefined);
  assert.equal(secrets.sessionKey.length, 32);
  assert.throws(
    () => consoleSecretsFrom(settings({ LCS_CONSOLE_SESSION_KEY_FILE: '/k' }), () => 'short'),
    (e: unknown) =>
      e instanceof ConfigError && e.key === 'console.sessionKeyFile' && /at least 32/.test(e.message),
  );
});

test("the InfluxDB password comes from console.influxdb.passwordFile, without the file's newline", () => {
  const s = settings({ LCS_INFLUXDB_PASSWORD_FILE: '/run/secrets/influx' });
  assert.equal(consoleSecretsFrom(s, () => 'pa ss\n').influxPassword, 'pa ss');
  assert.equal(consoleSecretsFrom(settings({})).influxPassword, undefined);
});
