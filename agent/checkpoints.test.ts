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
