// `npm run demo`: the original project's demo on the real services. Starts etcd, Kafka and
// Elasticsearch, the transfer and the agent, writes /collect_log_conf to collect
// logs/web.log into topic "web", generates sample lines, and shows them arriving in
// Elasticsearch. Ctrl-C stops everything it started.
// Flags: --exit-after N (exit 0 once N generated lines are searchable; used by the tests),
//        --rate N (lines per second, default 5).

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, openSync } from 'node:fs';
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

const children: ChildProcess[] = [];
function startComponent(name: string): void {
  const out = openSync(join(state, `${name}.log`), 'a');
  const child = spawn(process.execPath, [...process.execArgv, join(root, 'cmd/lcs/main.ts'), name], {
    env,
    stdio: ['ignore', out, out],
  });
  child.on('exit', (code, sig) => {
    if (!stopping) {
      say(`lcs ${name} exited unexpectedly (${code ?? sig}); its log: ${join(state, `${name}.log`)}`);
      void stop(1);
    }
  });
  children.push(child);
  say(`started lcs ${name} (pid ${child.pid}, log ${join(state, `${name}.log`)})`);
}

const etcd = new Etcd3({ hosts: ep.etcd });
const conf = [{ path: webLog, topic: 'web' }];
await etcd.put('/collect_log_conf').value(JSON.stringify(conf));
say(`put /collect_log_conf = ${JSON.stringify(conf)}`);
startComponent('transfer');
startComponent('agent');

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

const progress = setInterval(async () => {
  try {
    const res = await fetch(
      `${ep.elasticsearch}/web-*/_count?q=message:${runId}&ignore_unavailable=true&allow_no_indices=true`,
    );
    const found = ((await res.json()) as { count?: number }).count ?? 0;
    say(`${written} lines written, ${found} searchable in web-*`);
    if (exitAfter && found >= exitAfter) await stop(0);
  } catch (err) {
    say(`could not ask Elasticsearch: ${(err as Error).message}`);
  }
}, 2000);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(generator);
  clearInterval(progress);
  say('stopping the agent and the transfer');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((r) =>
          c.exitCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGTERM')),
        ),
    ),
  );
  etcd.close();
  if (started.length) {
    say(`stopping the services the demo started: ${started.join(', ')}`);
    await services.down(started, { log: say });
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
