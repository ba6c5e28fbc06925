// Nodes: every agent, transfer and metrics instance with its state (online, stale, offline:
// docs/console.md), reloaded when a status record is written or its lease ends. An agent
// unfolds into its tailers (file, offset, lag, events/s, last error), the collections it runs
// with their revisions, rejected entries and the loss ledger.

import { get, stream, type NodeRecord } from './api.ts';
import type { Ctx } from './app.ts';
import { badge, h, replace, table } from './dom.ts';
import { ago, compact } from './logic.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

interface Nodes {
  agents: NodeRecord[];
  transfers: NodeRecord[];
  metrics: NodeRecord[];
  staleAfterSec?: number;
}

export function nodesPage(main: HTMLElement, _params: string[], ctx: Ctx): () => void {
  const live = h('span', { class: 'live', 'aria-live': 'polite' });
  const body = h('div', { id: 'nodes' }, h('p', null, 'Loading…'));
  const open = new Set<string>();
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Nodes'), live), body);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = async () => {
    try {
      const n = await get<Nodes>('/api/nodes');
      // Keep the agents a reader unfolded open across reloads.
      for (const d of body.querySelectorAll<HTMLDetailsElement>('details[data-node]'))
        if (d.open) open.add(d.dataset.node!);
        else open.delete(d.dataset.node!);
      replace(
        body,
        h(
          'p',
          { class: 'muted', id: 'thresholds' },
          `online: its status record was rewritten in the last ${n.staleAfterSec ?? '?'} s; stale: not since; ` +
            'offline: its lease ended (the process stopped or lost etcd), shown with what it last reported.',
        ),
        agents(n.agents, open),
        transfers(n.transfers),
        metrics(n.metrics),
      );
    } catch (err) {
      ctx.fail(err, 'load the nodes');
    }
  };
  const again = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void load(), 250);
  };
  void load();
  const close = stream('/api/events', { node: again }, (s) => {
    live.textContent = s === 'open' ? 'live' : s === 'connecting' ? 'reconnecting…' : 'not live';
    live.className = `live ${s}`;
  });
  // "stale" is a matter of time passing: read again now and then even without events.
  const tick = setInterval(() => void load(), 5000);
  return () => {
    close();
    clearInterval(tick);
    if (timer) clearTimeout(timer);
  };
}

/** When the record was last written, and when its lease ended for an offline one; a record that does not parse says why. */
function updated(n: NodeRecord): HTMLElement {
  return h(
    'span',
    null,
    ago(n.updatedAt),
    n.offlineSince ? h('span', { class: 'muted' }, ` (lease ended ${ago(n.offlineSince)})`) : null,
    n.error ? h('span', { class: 'bad' }, ` unreadable record: ${n.error}`) : null,
  );
}

function agents(list: NodeRecord[], open: Set<string>): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'agents-h' },
    h('h2', { id: 'agents-h' }, `Agents (${list.length})`),
    table(
      'Agents',
      ['node', 'state', 'updated', 'config revision', 'collections', 'tailers', 'etcd', 'kafka', 'buffered'],
      list.map((a) => {
        const s = a.status ?? {};
        const etcd = obj(s.etcd);
        const kafka = obj(s.kafka);
        return [
          h('span', { class: 'node-name' }, a.name),
          h('span', { 'data-state-of': `agent/${a.name}` }, badge(a.state)),
          updated(a),
          String(num(s.configRevision) ?? '–'),
          String(Object.keys(obj(s.collections)).length),
          String(arr(s.tailers).length),
          etcd.connected ? 'connected' : h('span', { class: 'bad', title: str(etcd.lastError) }, 'down'),
          kafka.connected ? 'connected' : h('span', { class: 'bad', title: str(kafka.lastError) }, 'down'),
          compact(num(kafka.bufferedBytes), 'B'),
        ];
      }),
      'No agent has reported.',
    ),
    list.map((a) => agentDetail(a, open.has(a.name))),
  );
}

function agentDetail(a: NodeRecord, open: boolean): HTMLElement {
  const s = a.status ?? {};
  const collections = Object.entries(obj(s.collections)).map(([name, c]): Obj & { name: string } => ({
    ...obj(c),
    name,
  }));
  const rejected = Object.entries(obj(s.rejected));
  const host = h('div', { class: 'host', 'aria-live': 'polite' });
  const d = h(
    'details',
    { class: 'node-detail', 'data-node': a.name, open },
    h('summary', null, `${a.name}: host, tailers, collections, losses`),
    host,
    table(
      `Tailers of ${a.name}`,
      ['collection', 'file', 'state', 'offset', 'size', 'lag', 'events/s', 'last error'],
      arr(s.tailers).map((t) => [
        str(t.collection),
        h('code', null, str(t.file)),
        str(t.state),
        String(num(t.offset) ?? '–'),
        compact(num(t.size), 'B'),
        compact(num(t.lagBytes), 'B'),
        compact(num(t.eventsPerSec)),
        t.lastError ? h('span', { class: 'bad' }, str(t.lastError)) : '',
      ]),
      'No files are being tailed.',
    ),
    table(
      `Collections on ${a.name}`,
      ['collection', 'revision', 'topic', 'files', 'events/s', 'errors', 'lost'],
      collections.map((c) => [
        c.name,
        String(num(c.modRevision) ?? '–'),
        str(c.topic),
        String(num(c.files) ?? 0),
        compact(num(c.eventsPerSec)),
        Array.isArray(c.errors) && c.errors.length ? h('span', { class: 'bad' }, c.errors.join('; ')) : '',
        compact(num(c.lostBytes) ?? 0, 'B'),
      ]),
      'No collections.',
    ),
    rejected.length
      ? table(
          `Entries ${a.name} rejected`,
          ['collection', 'why'],
          rejected.map(([k, v]) => [k, str(v)]),
        )
      : null,
    table(
      `Loss ledger of ${a.name}`,
      ['collection', 'file', 'bytes', 'reason', 'at'],
      arr(s.loss).map((l) => [
        str(l.collection),
        h('code', null, str(l.path)),
        compact(num(l.bytes), 'B'),
        str(l.reason),
        str(l.at),
      ]),
      'Nothing lost.',
    ),
  );
  // Host metrics come from InfluxDB (what `lcs metrics` wrote), read when the node is unfolded.
  const readHost = () => void hostMetrics(a.name, host);
  d.addEventListener('toggle', () => d.open && readHost());
  if (open) readHost();
  return d;
}

interface HostMetrics {
  host: string;
  time?: string;
  cpuUsedPercent?: number;
  memUsedPercent?: number;
  load1?: number;
  nCpus?: number;
  disks: { path: string; usedPercent: number }[];
}

/** Host metrics change every sample (10 s by default): read at most that often per node. */
const HOST_FRESH_MS = 10_000;
const hostCache = new Map<string, { at: number; answer: Promise<HostMetrics> }>();

async function hostMetrics(node: string, el: HTMLElement): Promise<void> {
  const pct = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(1)} %`);
  try {
    let hit = hostCache.get(node);
    if (!hit || Date.now() - hit.at > HOST_FRESH_MS) {
      hit = { at: Date.now(), answer: get<HostMetrics>(`/api/hosts/${encodeURIComponent(node)}`) };
      hostCache.set(node, hit);
    }
    const m = await hit.answer;
    if (!m.time) {
      replace(
        el,
        h('p', { class: 'muted' }, `No host metrics for ${node} yet (is lcs metrics running there?).`),
      );
      return;
    }
    replace(
      el,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'host metrics'),
        h('dd', null, `${ago(m.time)} (${m.time})`),
        h('dt', null, 'CPU used'),
        h('dd', null, `${pct(m.cpuUsedPercent)}${m.nCpus ? ` of ${m.nCpus} CPUs` : ''}`),
        h('dt', null, 'load (1 min)'),
        h('dd', null, m.load1 === undefined ? '–' : m.load1.toFixed(2)),
        h('dt', null, 'memory used'),
        h('dd', null, pct(m.memUsedPercent)),
        h('dt', null, 'disks'),
        h('dd', null, m.disks.map((x) => `${x.path} ${pct(x.usedPercent)}`).join(', ') || '–'),
      ),
    );
  } catch (err) {
    // No InfluxDB configured (503) is a fact about the console, not a failure of the page.
    replace(el, h('p', { class: 'muted' }, `Host metrics: ${(err as Error).message}`));
  }
}

function transfers(list: NodeRecord[]): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'transfers-h' },
    h('h2', { id: 'transfers-h' }, `Transfers (${list.length})`),
    table(
      'Transfer replicas',
      [
        'member',
        'state',
        'updated',
        'topics',
        'partitions',
        'indexed',
        'docs/s',
        'dead letters',
        'Elasticsearch',
      ],
      list.map((t) => {
        const s = t.status ?? {};
        const es = obj(s.elasticsearch);
        const parts = Object.values(obj(s.assignment)).reduce<number>(
          (n, p) => n + (Array.isArray(p) ? p.length : 0),
          0,
        );
        return [
          h('span', { class: 'node-name' }, t.name),
          h('span', { 'data-state-of': `transfer/${t.name}` }, badge(t.state)),
          updated(t),
          (Array.isArray(s.topics) ? s.topics : []).join(', '),
          String(parts),
          compact(num(s.indexed)),
          compact(num(s.documentsPerSecond)),
          compact(num(s.deadLettered)),
          es.up === false ? h('span', { class: 'bad', title: str(es.lastError) }, 'down') : 'up',
        ];
      }),
      'No transfer has reported.',
    ),
  );
}

function metrics(list: NodeRecord[]): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'metrics-h' },
    h('h2', { id: 'metrics-h' }, `Metrics instances (${list.length})`),
    table(
      'Metrics instances',
      ['node', 'state', 'updated', 'writer', 'samples', 'points written', 'buffered', 'dropped', 'pipeline'],
      list.map((m) => {
        const s = m.status ?? {};
        const w = obj(s.writer);
        const b = obj(s.buffered);
        const d = obj(s.dropped);
        return [
          h('span', { class: 'node-name' }, m.name),
          h('span', { 'data-state-of': `metrics/${m.name}` }, badge(m.state)),
          updated(m),
          w.up
            ? str(w.description)
            : h('span', { class: 'bad', title: str(w.lastError) }, `down: ${str(w.description)}`),
          compact(num(s.samples)),
          compact(num(s.pointsWritten)),
          `${compact(num(b.lines))} lines`,
          compact((num(d.bufferFull) ?? 0) + (num(d.rejected) ?? 0)),
          s.pipelineLeader ? 'leader' : '',
        ];
      }),
      'No metrics instance has reported.',
    ),
  );
}
