// The settings shared by several subcommands, with the fixed LCS_* environment names of
// docs/design.md "Common settings", and the rules across them. Secrets are read from files or the
// environment, never etcd.

import { hostname } from 'node:os';
import { ConfigError } from '../errors.ts';
import { setting, type SettingsOf } from './settings.ts';

const url = (v: string | string[]): string | undefined => {
  const list = Array.isArray(v) ? v : [v];
  for (const u of list) {
    try {
      const p = new URL(String(u));
      if (p.protocol !== 'http:' && p.protocol !== 'https:') return `${u} must be an http:// or https:// URL`;
    } catch {
      return `${u} is not a URL`;
    }
  }
  return undefined;
};

const hostPorts = (v: string[]): string | undefined => {
  for (const hp of v) if (!/^[^:\s]+:\d{1,5}$/.test(hp)) return `${hp} must be host:port`;
  return v.length ? undefined : 'must name at least one broker';
};

/** A rule across settings that found a problem with `key`. */
const problem = (key: string, message: string): ConfigError => new ConfigError(key, message);
const both = (set: boolean, key: string, message: string): ConfigError[] =>
  set ? [problem(key, message)] : [];

export const etcdSettings = {
  'etcd.endpoints': setting.list({
    env: 'LCS_ETCD_ENDPOINTS',
    default: ['http://127.0.0.1:2379'],
    description: 'etcd client URLs',
    check: url,
  }),
  'etcd.username': setting.string({
    env: 'LCS_ETCD_USERNAME',
    description: 'etcd user (auth enabled clusters)',
  }),
  'etcd.passwordFile': setting.string({
    env: 'LCS_ETCD_PASSWORD_FILE',
    description: 'file holding the etcd password',
  }),
  'etcd.caFile': setting.string({ env: 'LCS_ETCD_CA_FILE', description: 'CA bundle for etcd TLS' }),
  'etcd.certFile': setting.string({
    env: 'LCS_ETCD_CERT_FILE',
    description: 'client certificate for etcd mTLS',
  }),
  'etcd.keyFile': setting.string({ env: 'LCS_ETCD_KEY_FILE', description: 'client key for etcd mTLS' }),
};

/** mTLS needs the certificate and its key; a password needs its user. */
export function validateEtcdSettings(s: SettingsOf<typeof etcdSettings>): ConfigError[] {
  return [
    ...both(
      !!s['etcd.certFile'] && !s['etcd.keyFile'],
      'etcd.keyFile',
      'must be set with etcd.certFile (mTLS needs both)',
    ),
    ...both(
      !!s['etcd.keyFile'] && !s['etcd.certFile'],
      'etcd.certFile',
      'must be set with etcd.keyFile (mTLS needs both)',
    ),
    ...both(
      !!s['etcd.passwordFile'] && !s['etcd.username'],
      'etcd.username',
      'must be set with etcd.passwordFile',
    ),
  ];
}

export const kafkaSettings = {
  'kafka.brokers': setting.list({
    env: 'LCS_KAFKA_BROKERS',
    default: ['127.0.0.1:9092'],
    description: 'Kafka bootstrap brokers, host:port',
    check: hostPorts,
  }),
  'kafka.clientId': setting.string({
    env: 'LCS_KAFKA_CLIENT_ID',
    default: 'lcs',
    description: 'Kafka client id',
  }),
  'kafka.tls': setting.bool({
    env: 'LCS_KAFKA_TLS',
    default: false,
    description: 'connect to Kafka with TLS',
  }),
  'kafka.caFile': setting.string({ env: 'LCS_KAFKA_CA_FILE', description: 'CA bundle for Kafka TLS' }),
  'kafka.saslMechanism': setting.oneOf(['plain', 'scram-sha-256', 'scram-sha-512'], {
    env: 'LCS_KAFKA_SASL_MECHANISM',
    description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512',
  }),
  'kafka.saslUsername': setting.string({ env: 'LCS_KAFKA_SASL_USERNAME', description: 'SASL user' }),
  'kafka.saslPasswordFile': setting.string({
    env: 'LCS_KAFKA_SASL_PASSWORD_FILE',
    description: 'file holding the SASL password',
  }),
};

/** SASL needs a mechanism and a user together; either alone would silently not authenticate. */
export function validateKafkaSettings(s: SettingsOf<typeof kafkaSettings>): ConfigError[] {
  const credentials = s['kafka.saslUsername']
    ? 'kafka.saslUsername'
    : s['kafka.saslPasswordFile']
      ? 'kafka.saslPasswordFile'
      : undefined;
  return [
    ...both(
      !!s['kafka.saslMechanism'] && !s['kafka.saslUsername'],
      'kafka.saslUsername',
      'must be set with kafka.saslMechanism',
    ),
    ...both(
      !s['kafka.saslMechanism'] && credentials !== undefined,
      'kafka.saslMechanism',
      `must be set with ${credentials}`,
    ),
  ];
}

export const elasticsearchSettings = {
  'elasticsearch.url': setting.list({
    env: 'LCS_ELASTICSEARCH_URL',
    default: ['http://127.0.0.1:9200'],
    description:
      'Elasticsearch URL, or several of a cluster comma-separated (requests are spread over them; a node that does not answer is skipped)',
    check: url,
  }),
  'elasticsearch.apiKeyFile': setting.string({
    env: 'LCS_ELASTICSEARCH_API_KEY_FILE',
    description: 'file holding an Elasticsearch API key',
  }),
  'elasticsearch.username': setting.string({
    env: 'LCS_ELASTICSEARCH_USERNAME',
    description: 'Elasticsearch basic-auth user',
  }),
  'elasticsearch.passwordFile': setting.string({
    env: 'LCS_ELASTICSEARCH_PASSWORD_FILE',
    description: 'file holding the basic-auth password',
  }),
  'elasticsearch.caFile': setting.string({
    env: 'LCS_ELASTICSEARCH_CA_FILE',
    description: 'CA bundle for Elasticsearch TLS',
  }),
};

/** One way to authenticate: an API key, or a user with a password. */
export function validateElasticsearchSettings(s: SettingsOf<typeof elasticsearchSettings>): ConfigError[] {
  return [
    ...both(
      !!s['elasticsearch.apiKeyFile'] && !!s['elasticsearch.username'],
      'elasticsearch.username',
      'cannot be used with elasticsearch.apiKeyFile (choose an API key or basic auth)',
    ),
    ...both(
      !!s['elasticsearch.passwordFile'] && !s['elasticsearch.username'],
      'elasticsearch.username',
      'must be set with elasticsearch.passwordFile',
    ),
  ];
}

export const nodeSettings = {
  'node.name': setting.string({ env: 'LCS_NODE_NAME', default: hostname(), description: "this node's name" }),
};

/** What every long-running process needs: its health server and its log level. */
export const serveSettings = {
  'http.listen': setting.string({
    env: 'LCS_HTTP_LISTEN',
    default: '127.0.0.1:0',
    description: 'host:port for /healthz, /readyz and /metrics (port 0 picks a free one)',
    check: (v) => (/^[^\s]+:\d{1,5}$/.test(v) ? undefined : 'must be host:port'),
  }),
  'log.level': setting.oneOf(['debug', 'info', 'warn', 'error'], {
    env: 'LCS_LOG_LEVEL',
    default: 'info',
    description: 'debug, info, warn or error',
  }),
};

export const statusSettings = {
  'status.interval': setting.duration({
    env: 'LCS_STATUS_INTERVAL',
    default: 5000,
    description: 'how often the status record is written to etcd',
  }),
};

/** A component that runs on a node and reports its status: node name, serving, status interval. */
export const processSettings = { ...nodeSettings, ...serveSettings, ...statusSettings };
