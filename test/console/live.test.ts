// The console over a running pipeline: the real agent and transfer as processes, the real
// etcd, Kafka and Elasticsearch. An entry created through the console reaches the agent; the
// Nodes view and the rollout show the agent running that revision, and a change of it; the
// lines are found by Search (paged) and arrive in the live tail over SSE, filtered on the
// server; a dead-lettered document is listed with its reason and, once the mapping is fixed,
// replayed into Elasticsearch; the agent killed with -9 turns offline when its lease ends.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { testEtcd } from '../support/etcd.ts';
import { deleteIndices, esRequest, refresh } from '../support/elasticsearch.ts';
import {
  appendLines,
  newPipeline,
  numbered,
  useEtcd,
  waitForTailer,
  waitForTransferTopic,
} from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { ApiClient, PASSWORDS, enc, sse, startConsole, usersFile, type RunningConsole } from './harness.ts';

const etcd = testEtcd();
const p = newPipeline('cl');
useEtcd(p, etcd);
const name = `adhoc/${p.id}`;
const url = `/api/collections/${enc(name)}`;
const file = join(p.dir, 'app.log');
const jsonFile = join(p.dir, 'app.json');
let c: RunningConsole;
let api: ApiClient;
let usersDir: string;
let rev = 0;

type Row = { node: string; modRevision: number; state: string };
type Hit = { id: string; message: string; node: string; file: string };

before(async () => {
  const u = await usersFile();
  usersDir = u.dir;
  c = await startConsole({ LCS_CONSOLE_USERS_FILE: u.file, LCS_CONSOLE_STALE_AFTER: '5s' });
  api = new ApiClient(c.url);
  assert.equal((await api.login('root', PASSWORDS.root)).status, 200);
  appendLines(file, []);
  p.startTransfer();
  p.startAgent();
});

after(async () => {
  await p.stop();
  await c?.stop();
  await etcd.delete().key(`/lcs/v1/collect/${name}`);
  await deleteIndices(`${p.id}-*`).catch(() => {});
  etcd.close();
  if (usersDir) rmSync(usersDir, { recursive: true, force: true });
});

test('an entry made in the console runs on the agent; the Nodes view and the rollout show it, and its next revision', async () => {
  const events = sse(`${c.url}/api/events`, { cookie: api.cookie! });
  try {
    await events.until('hello', (e) => e.event === 'hello');
    const created = await api.call('PUT', url, {
      entry: { source: { files: { paths: [file] } }, topic: p.id, startAt: 'beginning' },
      revision: 0,
    });
    assert.equal(created.status, 201, created.text);
    rev = Number(created.body.modRevision);
    await events.until(
      'collections for the new entry',
      (e) => e.event === 'collections' && (e.data as { name: string }).name === name,
    );
    await waitForTailer(p, name, file, 30000);
    const nodes = await waitFor('the agent online on /api/nodes', async () => {
      const r = await api.call<{
        agents: { name: string; state: string; status: { tailers: { file: string }[] } }[];
      }>('GET', '/api/nodes');
      const a = r.body.agents.find((x) => x.name === p.node);
      return a?.state === 'online' && a.status.tailers.some((t) => t.file === file) ? a : undefined;
    });
    assert.equal(nodes.name, p.node);
    await events.until(
      'node event for the agent',
      (e) => e.event === 'node' && (e.data as { name: string }).name === p.node,
    );
    const current = await waitFor('rollout current at the created revision', async () => {
      const r = await api.call<{
        rollout: { rows: Row[]; counts: Record<string, number> };
        live: { nodes: number };
      }>('GET', url);
      return r.body.rollout.rows.find(
        (x) => x.node === p.node && x.state === 'current' && x.modRevision === rev,
      )
        ? r
        : undefined;
    });
    assert.equal(current.body.live.nodes, 1);
    assert.equal(current.body.rollout.counts.current, 1);

    const edited = await api.call('PUT', url, {
      entry: {
        source: { files: { paths: [file, jsonFile] } },
        topic: p.id,
        startAt: 'beginning',
        parse: { format: 'auto' },
      },
      revision: rev,
    });
    assert.equal(edited.status, 200, edited.text);
    rev = Number(edited.body.modRevision);
    await waitFor('rollout current at the edited revision', async () => {
      const r = await api.call<{ rollout: { rows: Row[] } }>('GET', url);
      return r.body.rollout.rows.some(
        (x) => x.node === p.node && x.state === 'current' && x.modRevision === rev,
      );
    });
    const match = await api.call<{ nodes: { node: string; files: string[] }[] }>('POST', '/api/match', {
      source: { files: { paths: [join(p.dir, '*.log')] } },
    });
    assert.deepEqual(match.body.nodes.find((n) => n.node === p.node)?.files, [file]);
  } finally {
    await events.close();
  }
});

test('Search finds the lines, page by page; the live tail streams new ones that match its filter', async () => {
  await waitForTransferTopic(etcd, p.id, 60000);
  appendLines(file, numbered('first', 1, 5));
  const found = await waitFor(
    'five lines in Search',
    async () => {
      const r = await api.call<{ hits: Hit[]; total: number }>(
        'GET',
        `/api/search?collection=${enc(name)}&q=first&size=50`,
      );
      return r.status === 200 && r.body.total === 5 ? r : undefined;
    },
    { timeoutMs: 60000, intervalMs: 500 },
  );
  assert.deepEqual(found.body.hits.map((h) => h.message).sort(), numbered('first', 1, 5).sort());
  assert.deepEqual([found.body.hits[0]!.node, found.body.hits[0]!.file], [p.node, file]);
  const page1 = await api.call<{ hits: Hit[]; next: unknown[] }>(
    'GET',
    `/api/search?collection=${enc(name)}&q=first&size=2`,
  );
  const page2 = await api.call<{ hits: Hit[]; next: unknown[] }>(
    'GET',
    `/api/search?collection=${enc(name)}&q=first&size=2&after=${enc(JSON.stringify(page1.body.next))}`,
  );
  const page3 = await api.call<{ hits: Hit[]; next?: unknown[] }>(
    'GET',
    `/api/search?collection=${enc(name)}&q=first&size=2&after=${enc(JSON.stringify(page2.body.next))}`,
  );
  const paged = [...page1.body.hits, ...page2.body.hits, ...page3.body.hits].map((h) => h.id);
  assert.equal(new Set(paged).size, 5, 'three pages hold the five lines once each');
  assert.equal(page3.body.next, undefined);
  const bad = await api.call('GET', `/api/search?collection=${enc(name)}&from=yesterday`);
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.error), /from must be an ISO 8601 time/);

  const tail = sse(`${c.url}/api/tail?collection=${enc(name)}&q=wanted`, { cookie: api.cookie! });
  try {
    await tail.until('hello', (e) => e.event === 'hello');
    appendLines(file, ['wanted one', 'other one', 'wanted two']);
    await tail.until(
      'the second wanted line',
      (e) => e.event === 'line' && (e.data as Hit).message === 'wanted two',
      60000,
    );
    await refresh(`${p.id}-*`);
    // The unwanted line is indexed too (the filter is the tail's, on the server), yet never streamed.
    await waitFor('the other line in Search', async () => {
      const r = await api.call<{ total: number }>('GET', `/api/search?collection=${enc(name)}&q=other`);
      return r.body.total === 1;
    });
    const lines = tail.events.filter((e) => e.event === 'line').map((e) => (e.data as Hit).message);
    assert.deepEqual(lines, ['wanted one', 'wanted two']);
  } finally {
    await tail.close();
  }
});

test('a dead-lettered document is listed with its reason and, once the mapping is fixed, replayed into Elasticsearch', async () => {
  // `n` is a number in the first document of the day's index, an object in the second: a
  // mapping conflict, which the transfer dead-letters.
  appendLines(jsonFile, ['{"n": 1, "message": "number"}', '{"n": {"deep": true}, "message": "object"}']);
  const dead = await waitFor(
    'one dead letter',
    async () => {
      const r = await api.call<{
        records: { partition: number; offset: string; reason: string; event: { message?: string } }[];
      }>('GET', `/api/dlq?collection=${enc(name)}`);
      return r.status === 200 && r.body.records.length === 1 ? r.body.records[0] : undefined;
    },
    { timeoutMs: 60000, intervalMs: 1000 },
  );
  assert.match(dead.reason, /mapper|pars/i);
  assert.equal(dead.event.message, 'object');
  // The fix: this run's indices go (the conflicting mapping with them).
  await deleteIndices(`${p.id}-*`);
  const replay = await api.call('POST', '/api/dlq/replay', {
    collection: name,
    records: [{ partition: dead.partition, offset: dead.offset }],
  });
  assert.equal(replay.status, 200, replay.text);
  assert.equal(replay.body.replayed, 1);
  await waitFor(
    'the replayed document in Elasticsearch',
    async () => {
      await refresh(`${p.id}-*`).catch(() => {});
      const r = await esRequest('GET', `/${p.id}-*/_search?q=message:object`);
      return (r as { hits?: { total?: { value: number } } }).hits?.total?.value === 1;
    },
    { timeoutMs: 60000, intervalMs: 1000 },
  );
  const audit = await api.call<{ records: { action: string }[] }>(
    'GET',
    `/api/audit?key=${enc(`/lcs/v1/collect/${name}`)}&limit=1`,
  );
  assert.equal(audit.body.records[0]!.action, 'dlq-replay');
  const viewer = new ApiClient(c.url);
  await viewer.login('victor', PASSWORDS.victor);
  const refused = await viewer.call('POST', '/api/dlq/replay', {
    collection: name,
    records: [{ partition: dead.partition, offset: dead.offset }],
  });
  assert.equal(refused.status, 403);
});

test('the agent killed with -9: its node turns offline on the Nodes page when its lease ends, and the rollout says so', async () => {
  const events = sse(`${c.url}/api/events`, { cookie: api.cookie! });
  try {
    await events.until('hello', (e) => e.event === 'hello');
    await p.agent!.kill9();
    await events.until(
      'the agent offline',
      (e) =>
        e.event === 'node' &&
        (e.data as { name: string; state: string }).name === p.node &&
        (e.data as { state: string }).state === 'offline',
      60000,
    );
    const r = await api.call<{ agents: { name: string; state: string; offlineSince?: string }[] }>(
      'GET',
      '/api/nodes',
    );
    const a = r.body.agents.find((x) => x.name === p.node)!;
    assert.equal(a.state, 'offline');
    assert.ok(a.offlineSince);
    const rollout = await api.call<{ rollout: { rows: Row[] } }>('GET', url);
    assert.equal(rollout.body.rollout.rows.find((x) => x.node === p.node)?.state, 'offline');
  } finally {
    await events.close();
  }
});
