import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentStatusKey } from '../common/keyspace.ts';
import { parseAgentStatus } from '../common/status/agent.ts';
import { LossLedger } from './loss-ledger.ts';
import { RateTracker, renderAgentStatus } from './status.ts';

test('events per second over the last 10 s, and names forgotten after a quiet minute', () => {
  const r = new RateTracker();
  const t0 = 1_000_000_000;
  for (let i = 0; i < 10; i++) r.add('a', 50, t0 + i * 1000);
  assert.equal(r.rate('a', t0 + 9000), 50);
  assert.equal(r.rate('a', t0 + 14000), 25, 'half the window is empty');
  assert.equal(r.rate('b', t0), 0);
  r.add('b', 1, t0);
  r.prune(t0 + 30_000);
  assert.equal(r.size, 2);
  r.prune(t0 + 75_000);
  assert.equal(r.size, 0, 'both quiet for over a minute');
});

test('the record the agent writes is the record its readers parse (common/status)', () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5);
  const rates = new RateTracker();
  rates.add('adhoc/web', 30, now);
  rates.add('adhoc/web\0/var/log/web.log', 30, now);
  const ledger = new LossLedger();
  ledger.add({ collection: 'adhoc/web', path: '/var/log/web.log.1', bytes: 99, reason: 'rotated', at: 't' });
  const tailer = (path: string, lastError?: string) => ({
    opts: { path },
    fileId: `id-${path}`,
    state: 'reading' as const,
    ackedPos: 10,
    size: 30,
    lagBytes: 20,
    lastError,
  });
  const status = renderAgentStatus({
    node: 'n1',
    now,
    startedAt: now - 60_000,
    configRevision: 12,
    etcd: { connected: true },
    sink: { connected: true, bufferedBytes: 512, lastError: undefined },
    running: [
      {
        plan: {
          name: 'adhoc/web',
          modRevision: 11,
          entry: { topic: 'web' },
          error: 'kept the last good version',
        },
        runner: {
          errors: new Map([['(glob)', 'bad glob']]),
          tailers: new Map([
            ['a', tailer('/var/log/web.log')],
            ['b', tailer('/var/log/web2.log', 'EACCES')],
          ]),
        },
      },
    ],
    rejected: new Map([['adhoc/bad', 'topic: required']]),
    rates,
    ledger,
    kubernetes: { synced: true, pods: 2, lists: 1 },
  });
  const key = agentStatusKey('n1');
  assert.deepEqual(parseAgentStatus(JSON.stringify(status), key), { ok: true, value: status });
  assert.deepEqual(status.collections['adhoc/web']!.errors, [
    'kept the last good version',
    'bad glob',
    '/var/log/web2.log: EACCES',
  ]);
  assert.equal(status.tailers.length, 2);
});
