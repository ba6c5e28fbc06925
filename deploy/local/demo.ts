// `npm run demo`: the original project's demo on the real services. Starts etcd, Kafka and
// Elasticsearch, the transfer and the agent, writes /collect_log_conf to collect
// logs/web.log into topic "web", generates sample lines, and shows them arriving in
// Elasticsearch. Ctrl-C stops everything it started, each component cleanly (the transfer
// commits and leaves its consumer group, the agent writes its final checkpoints), so the next
// demo starts at once. The components run through the launcher (cmd/lcs/lcs), as users run them.
// Flags: --exit-after N (exit 0 once N generated lines are searchable; used by the tests),
//        --rate N (lines per second, default 5).

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, openSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Etcd3 } from 'etcd3';
import * as services from './services.ts';

const root = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const exitAfter = flag('--exit-after', 0);
const rate = flag('--rate', 5);
const say = (line: string) => process.stdout.write(`[lcs demo] ${line}\n`);

const logs = join(root, 'logs');
const state = join(root, '.lcs', 'demo');
mkdirSync(logs, { recursive: true });
mkdirSync(state, { recursive: true });
const webLog = join(logs, 'web.log');

const needed: services.ServiceName[] = ['etcd', 'kafka', 'elasticsearch'];
const started: services.ServiceName[] = [];
for (const n of needed) if (!(await services.isRunning(n))) started.push(n);
say(`starting services (${needed.join(', ')}); the first run installs them, which takes a minute or two`);
try {
  await services.up(needed, { log: say });
} catch (err) {
  say(`could not start the services: ${(err as Error).message}`);
  say('see deploy/local/README.md, or run "npm run services:status" for details');
  process.exit(1);
}
const ep = services.endpoints();
const env = {
  ...process.env,
  ...services.endpointEnv(ep),
  LCS_NODE_NAME: 'demo-node',
  LCS_STATE_DIR: join(state, 'agent'),
  LCS_ALLOWED_ROOTS: logs,
  LCS_STATUS_INTERVAL: '2s',
};

/** A port nobody listens on now, for a component's /healthz /readyz /metrics. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const children: { name: string; child: ChildProcess; http: string }[] = [];
async function startComponent(name: string): Promise<void> {
  const out = openSync(join(state, `${name}.log`), 'a');
  const listen = `127.0.0.1:${await freePort()}`;
  // The launcher execs node, so the child's pid is the component's and signals reach it.
  const child = spawn('sh', [join(root, 'cmd/lcs/lcs'), name], {
    env: { ...env, LCS_NODE: process.execPath, LCS_HTTP_LISTEN: listen },
    stdio: ['ignore', out, out],
  });
  child.on('exit', (code, sig) => {
    if (!stopping) {
      say(`lcs ${name} exited unexpectedly (${code ?? sig}); its log: ${join(state, `${name}.log`)}`);
      void stop(1);
    }
  });
  children.push({ name, child, http: `http://${listen}` });
  say(`started lcs ${name} (pid ${child.pid}, log ${join(state, `${name}.log`)})`);
}

const etcd = new Etcd3({ hosts: ep.etcd });
const conf = [{ path: webLog, topic: 'web' }];
await etcd.put('/collect_log_conf').value(JSON.stringify(conf));
say(`put /collect_log_conf = ${JSON.stringify(conf)}`);
const startedAt = Date.now();
await startComponent('transfer');
await startComponent('agent');

const runId = Date.now().toString(36);
let written = 0;
const paths = ['/', '/login', '/cart', '/api/items', '/search?q=lcs'];
const generator = setInterval(() => {
  const lines: string[] = [];
  for (let i = 0; i < Math.max(1, Math.round(rate / 5)); i++) {
    const path = paths[written % paths.length];
    lines.push(
      `${new Date().toISOString()} demo=${runId} seq=${written} GET ${path} 200 ${(written * 37) % 900}ms`,
    );
    written++;
  }
  appendFileSync(webLog, lines.join('\n') + '\n');
}, 200);

say('writing sample lines to logs/web.log; they travel file → agent → Kafka → transfer → Elasticsearch');
say(
  `see them:   curl '${ep.elasticsearch}/web-*/_search?q=message:${runId}&sort=@timestamp:desc&size=5&pretty'`,
);
say(`count them: curl '${ep.elasticsearch}/web-*/_count?q=message:${runId}'`);
say(
  `hot reload: ETCDCTL_API=3 etcdctl --endpoints ${ep.etcd} put /collect_log_conf '[{"path":"${join(logs, 'net.log')}","topic":"net"}]'`,
);
say('status:     ETCDCTL_API=3 etcdctl --endpoints ' + ep.etcd + ' get --prefix /lcs/v1/status/');
say('Ctrl-C stops everything the demo started.');

const isReady = async (http: string): Promise<boolean> => {
  try {
    return (await fetch(`${http}/readyz`)).ok;
  } catch {
    return false;
  }
};

// Every 2 s a progress line; until the first line is searchable, a look every 250 ms so the
// demo can say how long the pipeline took to deliver it once the agent and the transfer were
// ready (a transfer that joins its consumer group late shows here).
let readyAt: number | undefined;
let firstFound = false;
let lastReport = 0;
let busy = false;
const progress = setInterval(async () => {
  if (busy || (firstFound && Date.now() - lastReport < 2000)) return;
  busy = true;
  try {
    if (readyAt === undefined && (await Promise.all(children.map((c) => isReady(c.http)))).every(Boolean)) {
      readyAt = Date.now();
      say(
        `the agent and the transfer are ready, ${((readyAt - startedAt) / 1000).toFixed(1)} s after they started`,
      );
    }
    const res = await fetch(
      `${ep.elasticsearch}/web-*/_count?q=message:${runId}&ignore_unavailable=true&allow_no_indices=true`,
    );
    const found = ((await res.json()) as { count?: number }).count ?? 0;
    if (!firstFound && found > 0) {
      firstFound = true;
      const since = (t: number) => ((Date.now() - t) / 1000).toFixed(1);
      say(
        `first lines searchable ${readyAt === undefined ? 'before' : `${since(readyAt)} s after`} the agent and the transfer were ready (${since(startedAt)} s after they started)`,
      );
    }
    const done = exitAfter > 0 && found >= exitAfter;
    if (done || Date.now() - lastReport >= 2000) {
      lastReport = Date.now();
      say(`${written} lines written, ${found} searchable in web-*`);
    }
    if (done) await stop(0);
  } catch (err) {
    say(`could not ask Elasticsearch: ${(err as Error).message}`);
  } finally {
    busy = false;
  }
}, 250);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(generator);
  clearInterval(progress);
  say('stopping the agent and the transfer');
  // After Ctrl-C they already have the terminal's SIGINT; this SIGTERM is the same request
  // (cmd/lcs/signals.ts), so neither cuts its shutdown short.
  const codes = await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<number | null>((r) =>
          child.exitCode !== null || child.signalCode !== null
            ? r(child.exitCode)
            : (child.once('exit', (c) => r(c)), child.kill('SIGTERM')),
        ),
    ),
  );
  children.forEach(({ name }, i) =>
    say(
      codes[i] === 0
        ? `lcs ${name} stopped cleanly`
        : `lcs ${name} exited with ${codes[i]}; its log: ${join(state, `${name}.log`)}`,
    ),
  );
  if (codes.some((c) => c !== 0)) code = code || 1;
  etcd.close();
  if (started.length) {
    say(`stopping the services the demo started: ${started.join(', ')}`);
    await services.down(started, { log: say });
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
