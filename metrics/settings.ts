// The metrics component's settings, declared once: the shared ones plus what only metrics
// needs. The rules that span several keys (a database for API 1, a bucket for API 2, secret
// files that must be readable) live in metricsConfigFrom (main.ts), the one place that maps
// the typed settings to the component's config; validateMetricsSettings runs it at start-up.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { etcdSettings, processSettings } from '../common/config/common-settings.ts';
import { setting, type SettingsOf } from '../common/config/settings.ts';
import { DEFAULT_IGNORE_FS } from './host/disk.ts';
import { HOST_INPUTS } from './host/sampler.ts';

const httpUrl = (v: string): string | undefined => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:'
      ? undefined
      : 'must be an http:// or https:// URL';
  } catch {
    return `${v} is not a URL`;
  }
};

export const metricsSettings = {
  ...etcdSettings,
  ...processSettings,
  'metrics.interval': setting.duration({
    env: 'LCS_METRICS_INTERVAL',
    default: 10_000,
    description: 'how often the host is sampled (Telegraf agent.interval); samples are aligned to it',
    check: (v) => (v >= 1000 ? undefined : 'must be at least 1s (points have a precision of seconds)'),
  }),
  'metrics.inputs': setting.list({
    env: 'LCS_METRICS_INPUTS',
    default: [...HOST_INPUTS],
    description: `host measurements to write, any of ${HOST_INPUTS.join(', ')}`,
    check: (v) => {
      const bad = v.filter((i) => !(HOST_INPUTS as readonly string[]).includes(i));
      return bad.length ? `unknown input ${bad.join(', ')} (known: ${HOST_INPUTS.join(', ')})` : undefined;
    },
  }),
  'metrics.netInterfaces': setting.list({
    env: 'LCS_METRICS_NET_INTERFACES',
    default: [],
    description:
      "interfaces for `net` (globs, Telegraf's interfaces); empty: every up, non-loopback interface",
  }),
  'metrics.ignoreFs': setting.list({
    default: DEFAULT_IGNORE_FS,
    description: "filesystem types `disk` leaves out (Telegraf's ignore_fs)",
  }),
  'metrics.nodeLabels': setting.list({
    env: 'LCS_METRICS_NODE_LABELS',
    default: [],
    description:
      'Kubernetes node labels added as tags to every host point (read once at start-up; empty: none)',
  }),
  'metrics.pipeline': setting.bool({
    env: 'LCS_METRICS_PIPELINE',
    default: true,
    description: "stand for election as the one instance that writes the pipeline's measurements",
  }),
  'metrics.stateDir': setting.string({
    env: 'LCS_METRICS_STATE_DIR',
    default: join(homedir(), '.local', 'state', 'lcs', 'metrics'),
    description: 'where points wait on disk while InfluxDB is unreachable (survives a restart)',
  }),
  'metrics.bufferBytes': setting.int({
    env: 'LCS_METRICS_BUFFER_BYTES',
    default: 64 * 1024 * 1024,
    description: 'bound of the on-disk buffer; past it the oldest points are dropped and counted',
    check: (v) => (v >= 64 * 1024 ? undefined : 'must be at least 65536'),
  }),
  'metrics.batchLines': setting.int({
    default: 5000,
    description: 'lines per write request when catching up',
    check: (v) => (v > 0 ? undefined : 'must be greater than 0'),
  }),
  'metrics.influx.api': setting.string({
    env: 'LCS_INFLUXDB_API',
    default: '1',
    description:
      '1: the InfluxDB 1.x /write API (also InfluxDB 2.x/3.x compatibility, VictoriaMetrics); 2: the v2 API through @influxdata/influxdb-client',
    check: (v) => (v === '1' || v === '2' ? undefined : `unknown API version "${v}" (must be 1 or 2)`),
  }),
  'metrics.influx.url': setting.string({
    env: 'LCS_INFLUXDB_URL',
    default: 'http://127.0.0.1:8086',
    description: 'InfluxDB (or VictoriaMetrics) URL',
    check: httpUrl,
  }),
  'metrics.influx.database': setting.string({
    env: 'LCS_INFLUXDB_DATABASE',
    description: 'API 1: database (Telegraf dashboards expect "telegraf")',
  }),
  'metrics.influx.retentionPolicy': setting.string({
    env: 'LCS_INFLUXDB_RETENTION_POLICY',
    description: "API 1: retention policy (default: the database's default)",
  }),
  'metrics.influx.username': setting.string({ env: 'LCS_INFLUXDB_USERNAME', description: 'API 1: user' }),
  'metrics.influx.passwordFile': setting.string({
    env: 'LCS_INFLUXDB_PASSWORD_FILE',
    description: "API 1: file holding the user's password",
  }),
  'metrics.influx.tokenFile': setting.string({
    env: 'LCS_INFLUXDB_TOKEN_FILE',
    description: 'API 2: file holding the token (InfluxDB 1.8+: "user:password")',
  }),
  'metrics.influx.org': setting.string({
    env: 'LCS_INFLUXDB_ORG',
    default: '',
    description: 'API 2: organization (empty for InfluxDB 1.8+ and VictoriaMetrics)',
  }),
  'metrics.influx.bucket': setting.string({
    env: 'LCS_INFLUXDB_BUCKET',
    description: 'API 2: bucket (InfluxDB 1.8+: "database/retention-policy")',
  }),
  'metrics.influx.timeout': setting.duration({
    default: 10_000,
    description: 'timeout of one write request',
    check: (v) => (v >= 100 ? undefined : 'must be at least 100ms'),
  }),
};

export type MetricsSettings = SettingsOf<typeof metricsSettings>;
