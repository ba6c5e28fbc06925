// The etcd mirror (common/etcd/mirror.ts, under the agent's, the transfer's and the console's
// view of the collect entries) lists a prefix larger than gRPC's 4 MB message limit: 12,000
// values of 600 bytes, about 7 MB. One unpaged range is refused by etcd's client
// ("Received message larger than max"); the mirror lists in pages at one revision, then
// follows the watch from there.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdMirror } from '../../common/etcd/mirror.ts';
import { createLogger } from '../../common/observe/logger.ts';
import { testEtcd } from '../support/etcd.ts';
import { waitFor } from '../support/wait.ts';

const etcd = testEtcd();
const prefix = `/lcs-test/mirror-${Date.now().toString(36)}/`;
const N = 12_000;
const value = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(580) });

after(async () => {
  await etcd.delete().prefix(prefix);
  etcd.close();
});

test('a prefix of ~7 MB is mirrored completely, then followed by the watch', async () => {
  for (let i = 0; i < N; i += 100) {
    const ops = [];
    for (let k = i; k < Math.min(N, i + 100); k++)
      ops.push(etcd.put(`${prefix}${String(k).padStart(6, '0')}`).value(value(k)));
    await etcd
      .if(`${prefix}none`, 'Create', '==', 0)
      .then(...ops)
      .commit();
  }
  await assert.rejects(
    etcd.getAll().prefix(prefix).strings(),
    /larger than max/,
    'one range of it is too large for gRPC',
  );
  let size = 0;
  let lastCause = '';
  const mirror = new EtcdMirror({
    etcd,
    ranges: [{ prefix }],
    logger: createLogger({ level: 'error', base: {} }),
    onChange: (state, _rev, cause) => {
      size = state.size;
      lastCause = cause;
    },
  });
  try {
    await mirror.start();
    assert.equal(size, N);
    assert.equal(lastCause, 'list');
    assert.equal(mirror.current.state.get(`${prefix}011999`)?.value, value(11999));
    await etcd.put(`${prefix}zzz`).value('after the list');
    await waitFor('the put after the list', () => size === N + 1 && lastCause === 'watch');
  } finally {
    await mirror.stop();
  }
});
