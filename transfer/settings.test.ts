import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../common/config/settings.ts';
import { transferSettings, validateTransferSettings } from './settings.ts';

const load = (env: Record<string, string>) => loadSettings(transferSettings, { argv: [], env });

test('the defaults pass every rule', () => {
  assert.deepEqual(validateTransferSettings(load({})), []);
});

test("the shared etcd, Kafka and Elasticsearch rules apply to the transfer's settings", () => {
  const problems = validateTransferSettings(
    load({
      LCS_ETCD_CERT_FILE: '/c',
      LCS_KAFKA_SASL_USERNAME: 'u',
      LCS_ELASTICSEARCH_API_KEY_FILE: '/k',
      LCS_ELASTICSEARCH_USERNAME: 'u',
    }),
  );
  assert.deepEqual(
    problems.map((p) => p.key),
    ['etcd.keyFile', 'kafka.saslMechanism', 'elasticsearch.username'],
  );
});

test('typed values need no conversion: an optional setting stays undefined until set', () => {
  const s = load({});
  assert.equal(s['transfer.indexReplicas'], undefined);
  assert.equal(s['transfer.sessionTimeout'], 30_000);
  assert.equal(load({ LCS_TRANSFER_INDEX_REPLICAS: '0' })['transfer.indexReplicas'], 0);
});
