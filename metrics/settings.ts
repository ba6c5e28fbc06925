// The metrics component's settings: the shared ones plus what only metrics needs. Cross-key
// rules (a database for API 1, a bucket for API 2, secrets that must exist) live in
// metricsConfigFrom (main.ts), the one place that maps settings to the component's config.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { etcdSettings, processSettings } from '../common/config/common-settings.ts';
import type { SettingSpec } from '../common/config/settings.ts';
import { DEFAULT_IGNORE_FS } from './host/disk.ts';
import { HOST_INPUTS } from './host/sampler.ts';

const httpUrl = (v: unknown): string | undefined => {
  try {
    const u = new URL(String(v));
    return u.protocol === 'http:' || u.protocol === 'https:'
      ? undefined
      : 'must be an http:// or https:// URL';
  } catch {
    return `${String(v)} is not a URL`;
  }
};

export const metricsSettings: SettingSpec[] = [
  ...etcdSettings,
  ...processSettings,
  {
    key: 'metrics.interval',
    type: 'duration',
    env: 'LCS_METRICS_INTERVAL',
    default: 10_000,
    description: 'how often the host is sampled (Telegraf agent.interval); samples are aligned to it',
    check: (v) =>
      Number(v) >= 1000 ? undefined : 'must be at least 1s (points have a precision of seconds)',
  },
  {
    key: 'metrics.inputs',
    type: 'list',
    env: 'LCS_METRICS_INPUTS',
    default: [...HOST_INPUTS],
    description: `host measurements to write, any of ${HOST_INPUTS.join(', ')}`,
    check: (v) => {
      const bad = (v as string[]).filter((i) => !(HOST_INPUTS as readonly string[]).includes(i));
      return bad.length ? `unknown input ${bad.join(', ')} (known: ${HOST_INPUTS.join(', ')})` : undefined;
    },
  },
  {
    key: 'metrics.netInterfaces',
    type: 'list',
    env: 'LCS_METRICS_NET_INTERFACES',
    default: [],
    description:
      "interfaces for `net` (globs, Telegraf's interfaces); empty: every up, non-loopback interface",
  },
  {
    key: 'metrics.ignoreFs',
    type: 'list',
    default: DEFAULT_IGNORE_FS,
    description: "filesystem types `disk` leaves out (Telegraf's ignore_fs)",
  },
  {
    key: 'metrics.nodeLabels',
    type: 'list',
    env: 'LCS_METRICS_NODE_LABELS',
    default: [],
    description:
      'Kubernetes node labels added as tags to every host point (read once at start-up; empty: none)',
  },
  {
    key: 'metrics.pipeline',
    type: 'bool',
    env: 'LCS_METRICS_PIPELINE',
    default: true,
    description: "stand for election as the one instance that writes the pipeline's measurements",
  },
  {
    key: 'metrics.stateDir',
    type: 'string',
    env: 'LCS_METRICS_STATE_DIR',
    default: join(homedir(), '.local', 'state', 'lcs', 'metrics'),
    description: 'where points wait on disk while InfluxDB is unreachable (survives a restart)',
  },
  {
    key: 'metrics.bufferBytes',
    type: 'int',
    default: 64 * 1024 * 1024,
    description: 'bound of the on-disk buffer; past it the oldest points are dropped and counted',
    check: (v) => (Number(v) >= 64 * 1024 ? undefined : 'must be at least 65536'),
  },
  {
    key: 'metrics.batchLines',
    type: 'int',
    default: 5000,
    description: 'lines per write request when catching up',
    check: (v) => (Number(v) > 0 ? undefined : 'must be greater than 0'),
  },
  {
    key: 'metrics.influx.api',
    type: 'string',
    env: 'LCS_INFLUXDB_API',
    default: '1',
    description:
      '1: the InfluxDB 1.x /write API (also InfluxDB 2.x/3.x compatibility, VictoriaMetrics); 2: the v2 API through @influxdata/influxdb-client',
    check: (v) =>
      v === '1' || v === '2' ? undefined : `unknown API version "${String(v)}" (must be 1 or 2)`,
  },
  {
    key: 'metrics.influx.url',
    type: 'string',
    env: 'LCS_INFLUXDB_URL',
    default: 'http://127.0.0.1:8086',
    description: 'InfluxDB (or VictoriaMetrics) URL',
    check: httpUrl,
  },
  {
    key: 'metrics.influx.database',
    type: 'string',
    env: 'LCS_INFLUXDB_DATABASE',
    description: 'API 1: database (Telegraf dashboards expect "telegraf")',
  },
  {
    key: 'metrics.influx.retentionPolicy',
    type: 'string',
    env: 'LCS_INFLUXDB_RETENTION_POLICY',
    description: "API 1: retention policy (default: the database's default)",
  },
  {
    key: 'metrics.influx.username',
    type: 'string',
    env: 'LCS_INFLUXDB_USERNAME',
    description: 'API 1: user',
  },
  {
    key: 'metrics.influx.passwordFile',
    type: 'string',
    env: 'LCS_INFLUXDB_PASSWORD_FILE',
    description: "API 1: file holding the user's password",
  },
  {
    key: 'metrics.influx.tokenFile',
    type: 'string',
    env: 'LCS_INFLUXDB_TOKEN_FILE',
    description: 'API 2: file holding the token (InfluxDB 1.8+: "user:password")',
  },
  {
    key: 'metrics.influx.org',
    type: 'string',
    env: 'LCS_INFLUXDB_ORG',
    default: '',
    description: 'API 2: organization (empty for InfluxDB 1.8+ and VictoriaMetrics)',
  },
  {
    key: 'metrics.influx.bucket',
    type: 'string',
    env: 'LCS_INFLUXDB_BUCKET',
    description: 'API 2: bucket (InfluxDB 1.8+: "database/retention-policy")',
  },
  {
    key: 'metrics.influx.timeout',
    type: 'duration',
    default: 10_000,
    description: 'timeout of one write request',
    check: (v) => (Number(v) >= 100 ? undefined : 'must be at least 100ms'),
  },
];
