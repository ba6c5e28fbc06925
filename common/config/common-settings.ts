// The settings shared by several subcommands, with the fixed LCS_* environment names of
// DESIGN.md "Common settings". Secrets are read from files or the environment, never etcd.

import { hostname } from 'node:os';
import type { SettingSpec } from './settings.ts';

const url = (v: unknown): string | undefined => {
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

const hostPorts = (v: unknown): string | undefined => {
  for (const hp of v as string[]) if (!/^[^:\s]+:\d{1,5}$/.test(hp)) return `${hp} must be host:port`;
  return (v as string[]).length ? undefined : 'must name at least one broker';
};

export const etcdSettings: SettingSpec[] = [
  {
    key: 'etcd.endpoints',
    type: 'list',
    env: 'LCS_ETCD_ENDPOINTS',
    default: ['http://127.0.0.1:2379'],
    description: 'etcd client URLs',
    check: url,
  },
  {
    key: 'etcd.username',
    type: 'string',
    env: 'LCS_ETCD_USERNAME',
    description: 'etcd user (auth enabled clusters)',
  },
  {
    key: 'etcd.passwordFile',
    type: 'string',
    env: 'LCS_ETCD_PASSWORD_FILE',
    description: 'file holding the etcd password',
  },
  { key: 'etcd.caFile', type: 'string', env: 'LCS_ETCD_CA_FILE', description: 'CA bundle for etcd TLS' },
  {
    key: 'etcd.certFile',
    type: 'string',
    env: 'LCS_ETCD_CERT_FILE',
    description: 'client certificate for etcd mTLS',
  },
  { key: 'etcd.keyFile', type: 'string', env: 'LCS_ETCD_KEY_FILE', description: 'client key for etcd mTLS' },
];

export const kafkaSettings: SettingSpec[] = [
  {
    key: 'kafka.brokers',
    type: 'list',
    env: 'LCS_KAFKA_BROKERS',
    default: ['127.0.0.1:9092'],
    description: 'Kafka bootstrap brokers, host:port',
    check: hostPorts,
  },
  {
    key: 'kafka.clientId',
    type: 'string',
    env: 'LCS_KAFKA_CLIENT_ID',
    default: 'lcs',
    description: 'Kafka client id',
  },
  {
    key: 'kafka.tls',
    type: 'bool',
    env: 'LCS_KAFKA_TLS',
    default: false,
    description: 'connect to Kafka with TLS',
  },
  { key: 'kafka.caFile', type: 'string', env: 'LCS_KAFKA_CA_FILE', description: 'CA bundle for Kafka TLS' },
  {
    key: 'kafka.saslMechanism',
    type: 'string',
    env: 'LCS_KAFKA_SASL_MECHANISM',
    description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512',
    check: (v) =>
      ['plain', 'scram-sha-256', 'scram-sha-512'].includes(String(v))
        ? undefined
        : 'must be plain, scram-sha-256 or scram-sha-512',
  },
  { key: 'kafka.saslUsername', type: 'string', env: 'LCS_KAFKA_SASL_USERNAME', description: 'SASL user' },
  {
    key: 'kafka.saslPasswordFile',
    type: 'string',
    env: 'LCS_KAFKA_SASL_PASSWORD_FILE',
    description: 'file holding the SASL password',
  },
];

export const elasticsearchSettings: SettingSpec[] = [
  {
    key: 'elasticsearch.url',
    type: 'string',
    env: 'LCS_ELASTICSEARCH_URL',
    default: 'http://127.0.0.1:9200',
    description: 'Elasticsearch URL',
    check: url,
  },
  {
    key: 'elasticsearch.apiKeyFile',
    type: 'string',
    env: 'LCS_ELASTICSEARCH_API_KEY_FILE',
    description: 'file holding an Elasticsearch API key',
  },
  {
    key: 'elasticsearch.username',
    type: 'string',
    env: 'LCS_ELASTICSEARCH_USERNAME',
    description: 'Elasticsearch basic-auth user',
  },
  {
    key: 'elasticsearch.passwordFile',
    type: 'string',
    env: 'LCS_ELASTICSEARCH_PASSWORD_FILE',
    description: 'file holding the basic-auth password',
  },
  {
    key: 'elasticsearch.caFile',
    type: 'string',
    env: 'LCS_ELASTICSEARCH_CA_FILE',
    description: 'CA bundle for Elasticsearch TLS',
  },
];

export const processSettings: SettingSpec[] = [
  {
    key: 'node.name',
    type: 'string',
    env: 'LCS_NODE_NAME',
    default: hostname(),
    description: "this node's name",
  },
  {
    key: 'http.listen',
    type: 'string',
    env: 'LCS_HTTP_LISTEN',
    default: '127.0.0.1:0',
    description: 'host:port for /healthz, /readyz and /metrics (port 0 picks a free one)',
    check: (v) => (/^[^\s]+:\d{1,5}$/.test(String(v)) ? undefined : 'must be host:port'),
  },
  {
    key: 'log.level',
    type: 'string',
    env: 'LCS_LOG_LEVEL',
    default: 'info',
    description: 'debug, info, warn or error',
    check: (v) =>
      ['debug', 'info', 'warn', 'error'].includes(String(v))
        ? undefined
        : 'must be debug, info, warn or error',
  },
  {
    key: 'status.interval',
    type: 'duration',
    env: 'LCS_STATUS_INTERVAL',
    default: 5000,
    description: 'how often the status record is written to etcd',
  },
];
