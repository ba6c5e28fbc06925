// Two agents (two node names) on a three-member etcd cluster: the leader killed with -9, then
// a follower stopped, and a collect entry added or removed while each member is gone. Every
// change must reach every agent (each reports the new tailer, or the removed one gone) while
// the cluster runs on two members, and nothing else the agents run is disturbed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { EtcdCluster } from '../../deploy/local/etcd-cluster.ts';
import { newPipeline, useEtcd, waitForTailer, type Pipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';

const BASE_PORT = Number(process.env.LCS_TEST_ETCD_CLUSTER_PORT ?? 39379);
const say = (line: string) => process.stdout.write(`# ${line}\n`);

const endpoints = new EtcdCluster({ dir: '', basePort: BASE_PORT }).endpoints();
const first = newPipeline('ecl', { LCS_ETCD_ENDPOINTS: endpoints.join(',') });
// Both agents may read the same folder; each has its own node name, state and logs.
const second = newPipeline('ecl', { LCS_ETCD_ENDPOINTS: endpoints.join(','), LCS_ALLOWED_ROOTS: first.dir });
const agents: Pipeline[] = [first, second];
const cluster = new EtcdCluster({ dir: join(first.dir, 'etcd-cluster'), basePort: BASE_PORT, log: say });
const etcd = new Etcd3({ hosts: endpoints });

before(async () => {
  await cluster.up();
  for (const p of agents) useEtcd(p, etcd);
});

after(async () => {
  await Promise.all(agents.map((p) => p.stop()));
  etcd.close();
  await cluster.down();
  rmSync(join(first.dir, 'etcd-cluster'), { recursive: true, force: true });
});

/** A write through whichever member answers (the test's own client is not under test). */
async function put(name: string, file: string): Promise<void> {
  const value = JSON.stringify({ source: { files: { paths: [file] } }, topic: `ecl-${name}-${first.id}` });
  await waitFor(
    `put of entry ${name}`,
    async () => (await etcd.put(adhocEntryKey(name)).value(value), true),
    {
      timeoutMs: 30000,
      intervalMs: 500,
    },
  );
}

async function tailing(p: Pipeline, collection: string): Promise<boolean> {
  return ((await p.agentStatus())?.tailers ?? []).some((t) => t.collection === collection);
}

test('etcd leader killed and a member stopped: changes made meanwhile reach every agent', async () => {
  const files = Object.fromEntries(['a', 'b', 'c'].map((n) => [n, join(first.dir, `${n}.log`)]));
  for (const f of Object.values(files)) writeFileSync(f, 'one line\n');
  await put('a', files.a!);
  for (const p of agents) p.startAgent();
  for (const p of agents) await waitForTailer(p, 'adhoc/a', files.a!, 30000);

  const recoveries: Record<string, number> = {};
  const leader = await waitFor('an etcd leader', () => cluster.leader());
  await cluster.stop(leader, { kill: true });
  let changed = Date.now();
  await put('b', files.b!);
  for (const p of agents)
    await waitFor(
      `${p.node} tailing entry b with the leader (member ${leader}) killed`,
      () => tailing(p, 'adhoc/b'),
      {
        timeoutMs: 60000,
        intervalMs: 200,
      },
    );
  recoveries[`leader ${leader} killed: entry b on every agent (s)`] = (Date.now() - changed) / 1000;
  const newLeader = await waitFor('a new leader', () => cluster.leader());
  assert.notEqual(newLeader, leader);

  cluster.spawn(leader);
  await cluster.waitHealthy(leader);
  // A follower that served all along (the old leader has just come back).
  const follower = cluster.ids().find((i) => i !== newLeader && i !== leader)!;
  await cluster.stop(follower);
  changed = Date.now();
  await etcd.delete().key(adhocEntryKey('a'));
  await put('c', files.c!);
  for (const p of agents)
    await waitFor(
      `${p.node} dropped entry a and tails entry c with member ${follower} stopped`,
      async () => !(await tailing(p, 'adhoc/a')) && (await tailing(p, 'adhoc/c')),
      { timeoutMs: 60000, intervalMs: 200 },
    );
  recoveries[`member ${follower} stopped: entries a and c on every agent (s)`] =
    (Date.now() - changed) / 1000;
  cluster.spawn(follower);
  await cluster.waitHealthy(follower);

  for (const p of agents) {
    const status = await p.agentStatus();
    assert.ok(status, `${p.node} has a status record`);
    assert.deepEqual(
      [...new Set(status.tailers.map((t) => t.collection))].sort(),
      ['adhoc/b', 'adhoc/c'],
      `${p.node} runs exactly the entries etcd holds`,
    );
  }
  say(JSON.stringify(recoveries));
});
