import { test } from 'node:test';
import assert from 'node:assert/strict';
import { influxErrorText, influxProblem, type InfluxAccess } from './explain.ts';

// The bodies are what InfluxDB 1.6 (Debian) and 1.8 answered in test/metrics/influxdb-auth.test.ts.
const metrics: InfluxAccess = {
  operation: 'write',
  database: 'telegraf',
  user: 'lcs-metrics',
  credentials: 'metrics.influx.username and metrics.influx.passwordFile',
  databaseSetting: 'metrics.influx.database',
};
const consoleRead: InfluxAccess = {
  operation: 'read',
  database: 'telegraf',
  user: 'lcs-console',
  credentials: 'console.influxdb.username and console.influxdb.passwordFile',
  databaseSetting: 'console.influxdb.database',
};

test('a refused password names the user and the credential settings', () => {
  assert.equal(
    influxProblem(401, '{"error":"authorization failed"}', metrics),
    'InfluxDB refused the credentials of user lcs-metrics (authorization failed): check metrics.influx.username and metrics.influx.passwordFile',
  );
  assert.match(
    influxProblem(401, '{"error":"authorization failed"}', consoleRead) ?? '',
    /console\.influxdb\.username and console\.influxdb\.passwordFile$/,
  );
});

test('no credentials at all says to set them; a refused v2 token names the token file', () => {
  assert.match(
    influxProblem(401, '{"error":"unable to parse authentication credentials"}', {
      ...metrics,
      user: undefined,
    }) ?? '',
    /^InfluxDB requires authentication and got no credentials .*: set metrics\.influx\.username and metrics\.influx\.passwordFile$/,
  );
  // InfluxDB 2.x answers a bad token with {"code":"unauthorized","message":…}; 1.8's v2 API
  // answers as 1.x does ({"error":"authorization failed"}).
  assert.match(
    influxProblem(401, '{"code":"unauthorized","message":"unauthorized access"}', {
      operation: 'write',
      database: 'db/autogen',
      credentials: 'metrics.influx.tokenFile',
      databaseSetting: 'metrics.influx.bucket',
    }) ?? '',
    /^InfluxDB refused the credentials \(unauthorized access\): check metrics\.influx\.tokenFile$/,
  );
});

test('a missing WRITE privilege names the GRANT to run, quoted', () => {
  assert.equal(
    influxProblem(
      403,
      '{"error":"\\"lcs-console\\" user is not authorized to write to database \\"telegraf\\""}',
      { ...metrics, user: 'lcs-console' },
    ),
    'InfluxDB user lcs-console may not write to telegraf ("lcs-console" user is not authorized to write to database "telegraf"): GRANT WRITE ON "telegraf" TO "lcs-console", or use another user in metrics.influx.username and metrics.influx.passwordFile',
  );
});

test('a missing READ privilege takes the privilege and database InfluxDB names', () => {
  const p = influxProblem(
    403,
    `{"error":"error authorizing query: lcs-metrics not authorized to execute statement 'SELECT 1', requires READ on telegraf"}`,
    { ...consoleRead, user: 'lcs-metrics' },
  );
  assert.match(
    p ?? '',
    /GRANT READ ON "telegraf" TO "lcs-metrics", or use another user in console\.influxdb\./,
  );
});

test('a missing database names the database setting and the statement to create it', () => {
  assert.equal(
    influxProblem(404, '{"error":"database not found: \\"telegraf\\""}', metrics),
    'InfluxDB has no database telegraf (database not found: "telegraf"): create it (CREATE DATABASE "telegraf") or check metrics.influx.database',
  );
});

test('anything else is left to the caller', () => {
  assert.equal(influxProblem(400, '{"error":"partial write: field type conflict"}', metrics), undefined);
  assert.equal(influxProblem(500, 'oops', metrics), undefined);
  assert.equal(influxErrorText('<html>bad gateway</html>\n'), '<html>bad gateway</html>');
});
