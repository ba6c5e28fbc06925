import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../common/observe/logger.ts';
import { CheckpointStore } from './checkpoints.ts';

const id = { dev: 1, ino: 2, fpLen: 3, fp: 'abc', gen: 0 };

test('checkpoints survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lcs-cp-'));
  const a = new CheckpointStore(dir, silentLogger);
  a.set({ collection: 'c', path: '/p', id, offset: 42 });
  await a.flush();
  const b = new CheckpointStore(dir, silentLogger);
  assert.equal(b.get('c', 1, 2)?.offset, 42);
  assert.equal(b.get('other', 1, 2), undefined);
});

test('a torn checkpoint file falls back to the previous version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lcs-cp-'));
  const a = new CheckpointStore(dir, silentLogger);
  a.set({ collection: 'c', path: '/p', id, offset: 10 });
  await a.flush();
  a.set({ collection: 'c', path: '/p', id, offset: 20 });
  await a.flush();
  writeFileSync(join(dir, 'checkpoints.json'), '{"version":1,"checkpoi');
  assert.equal(new CheckpointStore(dir, silentLogger).get('c', 1, 2)?.offset, 10);
});

test('flushes during a write share one queued write, and each resolves with its offset on disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lcs-cp-'));
  const store = new CheckpointStore(dir, silentLogger);
  const bodies: string[] = [];
  const s = store as unknown as { write: (body: string) => Promise<void> };
  const write = s.write.bind(store);
  s.write = (body: string) => (bodies.push(body), write(body));
  const onDisk = () => new CheckpointStore(dir, silentLogger).get('c', 1, 2)?.offset;

  store.set({ collection: 'c', path: '/p', id, offset: 1 });
  const first = store.flush();
  assert.equal(store.flush(), first, 'flushes before the write starts share it');
  while (bodies.length === 0) await new Promise((r) => setImmediate(r)); // the write has begun
  store.set({ collection: 'c', path: '/p', id, offset: 2 });
  const second = store.flush();
  store.set({ collection: 'c', path: '/p', id, offset: 3 });
  const third = store.flush();
  assert.notEqual(second, first, 'a flush during a write queues behind it');
  assert.equal(second, third, 'the flush queued behind a running write is shared');
  await first;
  assert.equal(onDisk(), 1);
  await third;
  assert.equal(onDisk(), 3, 'the shared write carries the state set before every caller');
  assert.equal(bodies.length, 2, 'four flushes, two writes');
  await store.flush();
  assert.equal(bodies.length, 2, 'nothing changed: no write');
});
