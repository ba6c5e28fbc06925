import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bulkBody, chunk, classifyRequestFailure, classifyStatus, interpretBulk } from './bulk.ts';

test('per-item outcomes from a mixed bulk response', () => {
  const res = {
    errors: true,
    items: [
      { create: { status: 201 } },
      { create: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists' } } },
      { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } },
      { create: { status: 503, error: { type: 'unavailable_shards_exception', reason: 'no shard' } } },
      {
        create: {
          status: 400,
          error: {
            type: 'mapper_parsing_exception',
            reason: 'failed to parse field [n]',
            caused_by: { reason: 'not a number' },
          },
        },
      },
      { create: { status: 413, error: { type: 'too_large', reason: 'document too large' } } },
    ],
  };
  assert.deepEqual(
    interpretBulk(res, 6).map((o) => o.kind),
    ['done', 'done', 'retry', 'retry', 'dead', 'dead'],
  );
  const dead = interpretBulk(res, 6)[4]!;
  assert.equal(
    dead.kind === 'dead' && dead.reason,
    '400: mapper_parsing_exception: failed to parse field [n] (not a number)',
  );
});

test('a response that does not line up is retried whole', () => {
  assert.deepEqual(
    interpretBulk({ items: [{ create: { status: 201 } }] }, 2).map((o) => o.kind),
    ['retry', 'retry'],
  );
});

test('status classes', () => {
  assert.equal(classifyStatus(200, '').kind, 'done');
  assert.equal(classifyStatus(404, 'index closed').kind, 'dead');
  assert.equal(classifyStatus(502, '').kind, 'retry');
  // Refused credentials or a missing privilege on the index: a fix lets them in; no dead letter.
  assert.equal(classifyStatus(401, 'security_exception: unable to authenticate').kind, 'retry');
  assert.equal(classifyStatus(403, 'security_exception: action [indices:admin/auto_create]').kind, 'retry');
});

test('the body is create actions with the event id', () => {
  const body = bulkBody([
    {
      index: 'i-2026.01.01',
      id: 'abc',
      source: { message: 'm' },
      topic: 't',
      partition: 0,
      offset: '1',
      raw: null,
    },
  ]);
  assert.equal(body, '{"create":{"_index":"i-2026.01.01","_id":"abc"}}\n{"message":"m"}\n');
});

test('a whole request rejected for its size or body is split, down to the one document', () => {
  assert.equal(classifyRequestFailure(413, 10, 'too large').kind, 'split');
  assert.equal(classifyRequestFailure(400, 2, 'bad body').kind, 'split');
  const single = classifyRequestFailure(413, 1, 'Request Entity Too Large');
  assert.deepEqual(single, { kind: 'dead', reason: '413: Request Entity Too Large' });
});

test('unreachable, overloaded or misconfigured Elasticsearch is retried, never dead-lettered', () => {
  for (const status of [undefined, 429, 500, 502, 503, 401, 403, 404])
    assert.equal(classifyRequestFailure(status, 5, 'x').kind, 'retry', String(status));
});

test('chunks respect both the document and the byte limit', () => {
  const sizes = [4, 4, 4, 4, 4];
  assert.deepEqual(
    chunk(sizes, 10, 10, (n) => n),
    [[4, 4], [4, 4], [4]],
  );
  assert.deepEqual(
    chunk(sizes, 2, 1000, (n) => n),
    [[4, 4], [4, 4], [4]],
  );
  assert.deepEqual(
    chunk([50, 1], 10, 10, (n) => n),
    [[50], [1]],
    'an oversized document goes alone',
  );
  assert.deepEqual(
    chunk([], 10, 10, (n: number) => n),
    [],
  );
});
