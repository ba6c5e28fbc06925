import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentStatus, type AgentStatus } from './agent.ts';

const full: AgentStatus = {
  node: 'n1',
  pid: 42,
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:05.000Z',
  configRevision: 9,
  etcd: { connected: true },
  kafka: { connected: false, bufferedBytes: 1024, lastError: 'broker down' },
  collections: {
    'k8s/ns/web': {
      topic: 'web',
      modRevision: 7,
      files: 2,
      eventsPerSec: 1.5,
      errors: ['x: EACCES'],
      lostBytes: 0,
    },
  },
  rejected: { 'adhoc/bad': 'topic: required' },
  tailers: [
    {
      collection: 'k8s/ns/web',
      file: '/var/log/a.log',
      fileId: 'f1',
      state: 'reading',
      offset: 10,
      size: 20,
      lagBytes: 10,
      eventsPerSec: 1.5,
    },
  ],
  loss: [{ collection: 'k8s/ns/web', path: '/var/log/a.log.1', bytes: 5, reason: 'rotated', at: 't' }],
  kubernetes: { synced: true, pods: 3, lists: 1 },
};

test('a record as the agent writes it reads back unchanged; unknown fields are ignored', () => {
  const r = parseAgentStatus(JSON.stringify({ ...full, addedLater: { x: 1 } }), '/lcs/v1/status/agents/n1');
  assert.deepEqual(r, { ok: true, value: full });
});

test('missing and mistyped fields take their defaults, never a throw', () => {
  const r = parseAgentStatus(
    JSON.stringify({
      collections: { a: { topic: 5, errors: ['e', 7], eventsPerSec: 'fast' }, b: null },
      rejected: { c: { nested: true } },
      tailers: [null, 'x', { file: '/f', offset: '12' }],
      kafka: 'down',
    }),
    '/lcs/v1/status/agents/node-from-key',
  );
  assert.ok(r.ok);
  assert.equal(r.value.node, 'node-from-key', 'the node comes from the key when the record has none');
  assert.deepEqual(r.value.collections, {
    a: { topic: '', modRevision: 0, files: 0, eventsPerSec: 0, errors: ['e'] },
    b: { topic: '', modRevision: 0, files: 0, eventsPerSec: 0, errors: [] },
  });
  assert.deepEqual(r.value.rejected, { c: '{"nested":true}' });
  assert.deepEqual(r.value.tailers, [
    { collection: '', file: '/f', state: '', offset: 0, size: 0, lagBytes: 0, eventsPerSec: 0 },
  ]);
  assert.deepEqual(r.value.kafka, { connected: false, bufferedBytes: 0 });
  assert.deepEqual(r.value.etcd, { connected: false });
  assert.equal(r.value.loss, undefined);
  assert.equal(r.value.kubernetes, undefined);
});

test('a value that is not a JSON object is refused with what it was', () => {
  const key = '/lcs/v1/status/agents/n1';
  assert.deepEqual(parseAgentStatus('[1]', key), {
    ok: false,
    error: `agent status ${key}: an array, not an object`,
  });
  assert.deepEqual(parseAgentStatus('null', key), {
    ok: false,
    error: `agent status ${key}: null, not an object`,
  });
  assert.deepEqual(parseAgentStatus('"s"'), { ok: false, error: 'agent status: string, not an object' });
  const bad = parseAgentStatus(Buffer.from('{"node":'), key);
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.error, /^agent status \/lcs\/v1\/status\/agents\/n1: not JSON \(/);
});
