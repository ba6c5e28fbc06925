import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  elasticsearchSettings,
  etcdSettings,
  kafkaSettings,
  validateElasticsearchSettings,
  validateEtcdSettings,
  validateKafkaSettings,
} from './common-settings.ts';
import { loadSettings } from './settings.ts';

const keys = (errors: { key: string; message: string }[]) => errors.map((e) => e.message);

test('etcd: mTLS needs the certificate and the key; a password needs its user', () => {
  const v = (env: Record<string, string>) =>
    keys(validateEtcdSettings(loadSettings(etcdSettings, { argv: [], env })));
  assert.deepEqual(v({}), []);
  assert.deepEqual(v({ LCS_ETCD_CERT_FILE: '/c', LCS_ETCD_KEY_FILE: '/k', LCS_ETCD_USERNAME: 'u' }), []);
  assert.deepEqual(v({ LCS_ETCD_CERT_FILE: '/c' }), [
    'etcd.keyFile: must be set with etcd.certFile (mTLS needs both)',
  ]);
  assert.deepEqual(v({ LCS_ETCD_KEY_FILE: '/k' }), [
    'etcd.certFile: must be set with etcd.keyFile (mTLS needs both)',
  ]);
  assert.deepEqual(v({ LCS_ETCD_PASSWORD_FILE: '/p' }), [
    'etcd.username: must be set with etcd.passwordFile',
  ]);
});

test('kafka: SASL needs a mechanism and a user together', () => {
  const v = (env: Record<string, string>) =>
    keys(validateKafkaSettings(loadSettings(kafkaSettings, { argv: [], env })));
  assert.deepEqual(v({}), []);
  assert.deepEqual(v({ LCS_KAFKA_SASL_MECHANISM: 'plain', LCS_KAFKA_SASL_USERNAME: 'u' }), []);
  assert.deepEqual(v({ LCS_KAFKA_SASL_MECHANISM: 'plain' }), [
    'kafka.saslUsername: must be set with kafka.saslMechanism',
  ]);
  assert.deepEqual(v({ LCS_KAFKA_SASL_USERNAME: 'u' }), [
    'kafka.saslMechanism: must be set with kafka.saslUsername',
  ]);
  assert.deepEqual(v({ LCS_KAFKA_SASL_PASSWORD_FILE: '/p' }), [
    'kafka.saslMechanism: must be set with kafka.saslPasswordFile',
  ]);
});

test('elasticsearch: an API key or basic auth, not both; a password needs its user', () => {
  const v = (env: Record<string, string>) =>
    keys(validateElasticsearchSettings(loadSettings(elasticsearchSettings, { argv: [], env })));
  assert.deepEqual(v({}), []);
  assert.deepEqual(v({ LCS_ELASTICSEARCH_API_KEY_FILE: '/k' }), []);
  assert.deepEqual(v({ LCS_ELASTICSEARCH_USERNAME: 'u', LCS_ELASTICSEARCH_PASSWORD_FILE: '/p' }), []);
  assert.deepEqual(v({ LCS_ELASTICSEARCH_API_KEY_FILE: '/k', LCS_ELASTICSEARCH_USERNAME: 'u' }), [
    'elasticsearch.username: cannot be used with elasticsearch.apiKeyFile (choose an API key or basic auth)',
  ]);
  assert.deepEqual(v({ LCS_ELASTICSEARCH_PASSWORD_FILE: '/p' }), [
    'elasticsearch.username: must be set with elasticsearch.passwordFile',
  ]);
});

test('a closed set of values is checked and named in the error', () => {
  assert.throws(
    () => loadSettings(kafkaSettings, { argv: ['--kafka-sasl-mechanism', 'gssapi'], env: {} }),
    /kafka\.saslMechanism: must be plain, scram-sha-256 or scram-sha-512 \(from --kafka-sasl-mechanism\)/,
  );
});
