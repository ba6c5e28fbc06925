// Bad configuration fails at start-up with a message naming the key (one test per rule).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../common/config/settings.ts';
import { ConfigError } from '../common/errors.ts';
import { metricsSettings } from './settings.ts';
import { metricsConfigFrom } from './main.ts';

const settings = (env: Record<string, string>) => loadSettings(metricsSettings, { argv: [], env });
const noFile = (p: string): string => {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
};
const rejects = (fn: () => unknown, key: string, re: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof ConfigError && err.key === key && re.test(err.message));

test('an unknown API version names metrics.influx.api', () => {
  rejects(() => settings({ LCS_INFLUXDB_API: '3' }), 'metrics.influx.api', /unknown API version "3"/);
});

test('API 1 without a database names metrics.influx.database', () => {
  rejects(
    () => metricsConfigFrom(settings({})),
    'metrics.influx.database',
    /required with metrics.influx.api=1/,
  );
});

test('API 2 without a bucket names metrics.influx.bucket', () => {
  rejects(() => metricsConfigFrom(settings({ LCS_INFLUXDB_API: '2' })), 'metrics.influx.bucket', /required/);
});

test('a token file that does not exist names metrics.influx.tokenFile', () => {
  const s = settings({
    LCS_INFLUXDB_API: '2',
    LCS_INFLUXDB_BUCKET: 'b',
    LCS_INFLUXDB_TOKEN_FILE: '/nope/token',
  });
  rejects(() => metricsConfigFrom(s, noFile), 'metrics.influx.tokenFile', /cannot read \/nope\/token/);
});

test('a password file that does not exist names metrics.influx.passwordFile', () => {
  const s = settings({ LCS_INFLUXDB_DATABASE: 'd', LCS_INFLUXDB_PASSWORD_FILE: '/nope/pw' });
  rejects(() => metricsConfigFrom(s, noFile), 'metrics.influx.passwordFile', /cannot read/);
});

test('a URL that is not http(s) names metrics.influx.url', () => {
  rejects(() => settings({ LCS_INFLUXDB_URL: 'ftp://x' }), 'metrics.influx.url', /http/);
  rejects(() => settings({ LCS_INFLUXDB_URL: 'not a url' }), 'metrics.influx.url', /not a URL/);
});

test('an unknown input names metrics.inputs', () => {
  rejects(() => settings({ LCS_METRICS_INPUTS: 'cpu,gpu' }), 'metrics.inputs', /unknown input gpu/);
});

test('an interval under a second names metrics.interval', () => {
  rejects(() => settings({ LCS_METRICS_INTERVAL: '500ms' }), 'metrics.interval', /at least 1s/);
});

test('good settings map to the config: secrets trimmed, the spool below the state dir', () => {
  const s = settings({
    LCS_INFLUXDB_API: '2',
    LCS_INFLUXDB_BUCKET: 'telegraf/autogen',
    LCS_INFLUXDB_TOKEN_FILE: '/run/token',
    LCS_METRICS_STATE_DIR: '/var/lib/lcs-metrics',
    LCS_NODE_NAME: 'n1',
  });
  const c = metricsConfigFrom(s, () => 'user:pw\n');
  assert.deepEqual(c.writer, {
    api: '2',
    url: 'http://127.0.0.1:8086',
    bucket: 'telegraf/autogen',
    org: '',
    token: 'user:pw',
    timeoutMs: 10000,
  });
  assert.equal(c.service.stateDir, '/var/lib/lcs-metrics/spool');
  assert.equal(c.service.intervalMs, 10000);
  assert.equal(c.service.node, 'n1');
  assert.equal(c.service.inputs.length, 10);
  assert.deepEqual(c.nodeLabels, []);
});
