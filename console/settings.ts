// The console's settings, declared once: etcd (where everything it shows and writes lives),
// Elasticsearch (search, live tail), Kafka (dead letters), and its own.

import {
  elasticsearchSettings,
  etcdSettings,
  kafkaSettings,
  serveSettings,
} from '../common/config/common-settings.ts';
import { setting, type SettingsOf } from '../common/config/settings.ts';

export const consoleSettings = {
  ...etcdSettings,
  ...elasticsearchSettings,
  ...kafkaSettings,
  ...serveSettings,
  'console.listen': setting.string({
    env: 'LCS_CONSOLE_LISTEN',
    default: '127.0.0.1:8090',
    description: 'host:port of the UI and the API (loopback unless told otherwise; 0.0.0.0:8090 in a pod)',
    check: (v) => (/^(\[[0-9a-fA-F:]+\]|[^\s:]+):\d{1,5}$/.test(v) ? undefined : 'must be host:port'),
  }),
  'console.usersFile': setting.string({
    env: 'LCS_CONSOLE_USERS_FILE',
    description:
      'YAML file of users (scrypt hashes) and tokens (SHA-256) with their roles; absent: read-only',
  }),
  'console.sessionKeyFile': setting.string({
    env: 'LCS_CONSOLE_SESSION_KEY_FILE',
    description:
      'file holding the key that signs session cookies (the same for every replica); absent: random',
  }),
  'console.secureCookie': setting.bool({
    env: 'LCS_CONSOLE_SECURE_COOKIE',
    default: false,
    description: 'mark the session cookie Secure (the console is reached over HTTPS)',
  }),
  'console.staleAfter': setting.duration({
    env: 'LCS_CONSOLE_STALE_AFTER',
    default: 15_000,
    description: 'a status record not rewritten within this is shown stale; one whose lease ended, offline',
    check: (v) => (v >= 1000 ? undefined : 'must be at least 1s'),
  }),
  'console.keyPrefixes': setting.list({
    env: 'LCS_CONSOLE_KEY_PREFIXES',
    default: ['/lcs/', '/collect_log_conf'],
    description: 'key prefixes the Keys view shows (never all of etcd: kube-apiserver may share it)',
    check: (v) =>
      v.length && v.every((p) => p.startsWith('/')) ? undefined : 'must be key prefixes starting with /',
  }),
  'console.search': setting.bool({
    env: 'LCS_CONSOLE_SEARCH',
    default: true,
    description: 'offer Search and the live tail (needs Elasticsearch)',
  }),
  'console.influxdb.url': setting.string({
    env: 'LCS_INFLUXDB_URL',
    description:
      "InfluxDB where `lcs metrics` writes (the Nodes view shows each host's CPU, memory, load and disks); absent: no host metrics",
    check: (v) => (/^https?:\/\//.test(v) ? undefined : 'must be an http:// or https:// URL'),
  }),
  'console.influxdb.database': setting.string({
    env: 'LCS_INFLUXDB_DATABASE',
    default: 'telegraf',
    description: 'the database the metrics service writes to',
  }),
  'console.influxdb.username': setting.string({
    env: 'LCS_INFLUXDB_USERNAME',
    description: 'InfluxDB user (read access is enough)',
  }),
  'console.influxdb.passwordFile': setting.string({
    env: 'LCS_INFLUXDB_PASSWORD_FILE',
    description: "file holding the InfluxDB user's password",
  }),
  'console.deadLetters': setting.bool({
    env: 'LCS_CONSOLE_DEAD_LETTERS',
    default: true,
    description: 'offer the dead letters and their replay (needs Kafka)',
  }),
};

export type ConsoleSettings = SettingsOf<typeof consoleSettings>;
