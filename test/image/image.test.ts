// The image built from deploy/Dockerfile, run with podman (runc, vfs, host network): its
// entrypoint answers `lcs --help`; `lcs agent` in a container tails a read-only mounted log
// folder into the test Kafka with the host process's guarantees — every line exactly once —
// and a new container on the same checkpoint volume resumes where the first stopped, without a
// duplicate. The agent runs as the user the Dockerfile's USER names. test/run.ts builds the
// image before the tests start (deploy/image/build.ts); here it is only checked up to date.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { DOCKERFILE, ensureImage } from '../../deploy/image/build.ts';
import { checkDelivery, missing } from '../agent/delivery-check.ts';
import { endOffsetSum, readTopic } from '../support/kafka.ts';
import { usePipeline, waitForTailer } from '../support/pipeline.ts';
import { podman, podmanOk, processIds, runFlags } from '../support/podman.ts';
import { waitFor } from '../support/wait.ts';

const { p, etcd, kafka } = usePipeline('image');
let image = '';
const containers: string[] = [];

/** The USER line of the Dockerfile's last stage, as uid and gid. */
function dockerfileUser(): { uid: number; gid: number } {
  const users = [...readFileSync(DOCKERFILE, 'utf8').matchAll(/^USER\s+(\d+):(\d+)\s*$/gm)];
  assert.ok(users.length > 0, 'deploy/Dockerfile names a numeric USER uid:gid');
  const last = users.at(-1)!;
  return { uid: Number(last[1]), gid: Number(last[2]) };
}

/**
 * `lcs agent` in a detached container hardened as the chart runs it (read-only root, no
 * capabilities, no privilege escalation), on the host network, the log folder mounted
 * read-only at /var/log/app and the checkpoint folder at the image's LCS_STATE_DIR.
 */
async function startAgent(
  suffix: string,
  logs: string,
  state: string,
  extra: string[] = [],
): Promise<string> {
  const name = `lcs-test-${suffix}`;
  containers.push(name);
  await podmanOk([
    'run',
    '--detach',
    '--name',
    name,
    ...runFlags(),
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...extra,
    '--network',
    'host',
    '--volume',
    `${logs}:/var/log/app:ro`,
    '--volume',
    `${state}:/var/lib/lcs/agent`,
    '--env',
    `LCS_ETCD_ENDPOINTS=${process.env.LCS_ETCD_ENDPOINTS ?? 'http://127.0.0.1:2379'}`,
    '--env',
    `LCS_KAFKA_BROKERS=${process.env.LCS_KAFKA_BROKERS ?? '127.0.0.1:9092'}`,
    '--env',
    `LCS_NODE_NAME=${p.node}`,
    '--env',
    'LCS_STATUS_INTERVAL=500ms',
    '--env',
    'LCS_LOG_LEVEL=info',
    image,
    'agent',
  ]);
  return name;
}

async function logsOf(name: string): Promise<string> {
  const r = await podman(['logs', name]);
  return (r.stdout + r.stderr).split('\n').slice(-30).join('\n');
}

/** A folder for one container's mounts: logs (read-only inside) and checkpoints (the image user's). */
function mounts(sub: string): { logs: string; state: string } {
  const { uid, gid } = dockerfileUser();
  const logs = join(p.dir, sub, 'logs');
  const state = join(p.dir, sub, 'checkpoints');
  mkdirSync(logs, { recursive: true });
  mkdirSync(state, { recursive: true });
  // The checkpoint volume belongs to the image's user, as the chart's hostPath must.
  chownSync(state, uid, gid);
  return { logs, state };
}

/** A log file as a container runtime writes pod logs: root:root, not readable by others. */
function rootOnlyFile(file: string): void {
  writeFileSync(file, '');
  chownSync(file, 0, 0);
  chmodSync(file, 0o640);
}

before(async () => {
  image = await ensureImage((l) => process.stdout.write(`[image] ${l}\n`));
});

after(async () => {
  for (const name of containers) await podman(['rm', '--force', '--time', '5', name]);
});

test('the entrypoint is lcs: `--help` lists the commands; the image holds the build, no TypeScript', async () => {
  const help = await podmanOk(['run', '--rm', ...runFlags(), image, '--help']);
  assert.match(help, /^Usage: lcs <command>/m);
  for (const c of ['agent', 'transfer', 'metrics', 'console', 'operator'])
    assert.match(help, new RegExp(`^  ${c} `, 'm'), `--help lists ${c}`);
  // No TypeScript is in the image: that it runs at all means the launcher chose the build.
  const files = await podmanOk([
    'run',
    '--rm',
    ...runFlags(),
    '--entrypoint',
    'sh',
    image,
    '-c',
    'find /app \\( -path /app/node_modules -o -path /app/.lcs/build/console/ui \\) -prune -o -name "*.ts" -print | head -n 3; test -f /app/.lcs/build/.stamp && echo stamp',
  ]);
  assert.equal(
    files.trim(),
    'stamp',
    'the image holds the compiled build and its stamp, no TypeScript sources',
  );
});

test('lcs agent in a container (group 0, read-only root, no capabilities): a mounted folder reaches Kafka exactly once, as the Dockerfile user, across a new container', async () => {
  const { uid, gid } = dockerfileUser();
  const { logs, state } = mounts('delivery');
  const file = join(logs, 'app.log');
  rootOnlyFile(file);
  const inside = '/var/log/app/app.log'; // under the agent's default allowed root, /var/log
  const topic = `image-${p.id}`;
  await etcd
    .put(adhocEntryKey('img'))
    .value(JSON.stringify({ source: { files: { paths: [inside] } }, topic, startAt: 'beginning' }));

  const start = (n: number) => startAgent(`${p.id}-${n}`, logs, state, ['--group-add', '0']);
  const write = (from: number, n: number) =>
    appendFileSync(file, Array.from({ length: n }, (_, i) => `img ${from + i} ${'x'.repeat(60)}\n`).join(''));

  const first = await start(1);
  await waitForTailer(p, 'adhoc/img', inside, 90000).catch(async (err: Error) => {
    throw new Error(`${err.message}\ncontainer log:\n${await logsOf(first)}`);
  });

  // The process podman started is the agent itself (the launcher execs node), as uid:gid.
  const pid = Number((await podmanOk(['inspect', '--format', '{{.State.Pid}}', first])).trim());
  const ids = processIds(pid);
  assert.deepEqual(ids.uids, [uid, uid, uid, uid], `the agent runs as uid ${uid} (Dockerfile USER)`);
  assert.deepEqual(ids.gids, [gid, gid, gid, gid], `the agent runs as gid ${gid}`);
  assert.deepEqual(
    [...ids.groups].sort((a, b) => a - b),
    [0, gid],
    'its one extra: the supplementary group 0 that reads root:root 0640 logs',
  );
  assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /\.lcs\/build\/cmd\/lcs\/main\.js\0agent/);

  const FIRST = 3000;
  const TOTAL = 6000;
  write(0, FIRST);
  await waitFor('the first lines in Kafka', async () => (await endOffsetSum(kafka, topic)) >= FIRST, {
    timeoutMs: 60000,
    intervalMs: 200,
  });
  // A graceful stop (SIGTERM, as a kubelet sends): the agent writes its final checkpoints.
  await podmanOk(['stop', '--time', '60', first], 90000);
  const exit = (await podmanOk(['inspect', '--format', '{{.State.ExitCode}}', first])).trim();
  assert.equal(exit, '0', `the agent exited cleanly on SIGTERM:\n${await logsOf(first)}`);
  const checkpoints = readdirSync(state, { recursive: true }).map(String);
  assert.ok(checkpoints.length > 0, 'the checkpoints are on the mounted volume');
  for (const f of checkpoints)
    assert.equal(statSync(join(state, f)).uid, uid, `${f} on the volume was written by uid ${uid}`);

  // Lines written while no agent runs; a new container (a fresh root filesystem, the same
  // volume) must send exactly these.
  write(FIRST, TOTAL - FIRST);
  const second = await start(2);
  await waitFor('every line in Kafka', async () => (await endOffsetSum(kafka, topic)) >= TOTAL, {
    timeoutMs: 90000,
    intervalMs: 200,
  }).catch(async (err: Error) => {
    throw new Error(`${err.message}\ncontainer log:\n${await logsOf(second)}`);
  });

  const d = await checkDelivery(kafka, topic, 'img', TOTAL);
  assert.deepEqual(missing(d.numbers, TOTAL), [], 'no line lost');
  assert.equal(d.numbers.size, TOTAL);
  assert.equal(d.resent, 0, 'no line sent twice: the second container resumed from the checkpoint');
  assert.equal(d.records, TOTAL, 'exactly one record per line');
  assert.equal(d.linesWithTwoIds, 0);
  assert.equal(await endOffsetSum(kafka, topic), TOTAL, 'nothing beyond the lines in the topic');
  await podmanOk(['stop', '--time', '60', second], 90000);
});

test('without group 0 the agent (uid 10001) cannot read a root:root 0640 log: it says so, and a readable file still flows', async () => {
  const { logs, state } = mounts('denied');
  const locked = join(logs, 'locked.log');
  rootOnlyFile(locked);
  const open = join(logs, 'open.log');
  writeFileSync(open, 'denied 0 readable\n', { mode: 0o644 });
  appendFileSync(locked, 'denied 1 locked\n');
  const topic = `image-denied-${p.id}`;
  await etcd.put(adhocEntryKey('denied')).value(
    JSON.stringify({
      source: { files: { paths: ['/var/log/app/open.log', '/var/log/app/locked.log'] } },
      topic,
      startAt: 'beginning',
    }),
  );
  const name = await startAgent(`${p.id}-denied`, logs, state);
  const error = await waitFor(
    'the agent reporting that it cannot read locked.log',
    async () => {
      const s = await p.agentStatus();
      const t = s?.tailers.find((x) => x.collection === 'adhoc/denied' && x.file.endsWith('locked.log'));
      const errors = [t?.lastError ?? '', ...(s?.collections['adhoc/denied']?.errors ?? [])].join(' ');
      return /EACCES|permission/i.test(errors) ? errors : undefined;
    },
    { timeoutMs: 90000, intervalMs: 250 },
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\ncontainer log:\n${await logsOf(name)}`);
  });
  assert.match(error, /locked\.log/, `the error names the file: ${error}`);
  const records = await readTopic(kafka, topic, 1, 60000);
  assert.deepEqual(
    records.map((r) => (JSON.parse(r.value) as { message: string }).message),
    ['denied 0 readable'],
  );
});

test('as the chart runs the agent (uid 0, no capabilities): it reads root:root 0640, writes a root 0755 checkpoint folder, and has no override for another user’s 0600 file', async () => {
  const { logs, state } = mounts('chart');
  chownSync(state, 0, 0); // as the kubelet creates a hostPath: root 0755
  chmodSync(state, 0o755);
  const pod = join(logs, 'pod.log');
  rootOnlyFile(pod);
  appendFileSync(pod, 'chart 0 root-owned\n');
  const other = join(logs, 'other.log');
  writeFileSync(other, 'chart 1 private\n');
  chownSync(other, 1234, 1234);
  chmodSync(other, 0o600);
  const topic = `image-chart-${p.id}`;
  await etcd.put(adhocEntryKey('chart')).value(
    JSON.stringify({
      source: { files: { paths: ['/var/log/app/pod.log', '/var/log/app/other.log'] } },
      topic,
      startAt: 'beginning',
    }),
  );
  const name = await startAgent(`${p.id}-chart`, logs, state, ['--user', '0:0']);
  const error = await waitFor(
    'the agent reporting that it cannot read other.log',
    async () => {
      const s = await p.agentStatus();
      const t = s?.tailers.find((x) => x.collection === 'adhoc/chart' && x.file.endsWith('other.log'));
      const errors = [t?.lastError ?? '', ...(s?.collections['adhoc/chart']?.errors ?? [])].join(' ');
      return /EACCES|permission/i.test(errors) ? errors : undefined;
    },
    { timeoutMs: 90000, intervalMs: 250 },
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\ncontainer log:\n${await logsOf(name)}`);
  });
  assert.match(error, /other\.log/, `the error names the file: ${error}`);
  const records = await readTopic(kafka, topic, 1, 60000);
  assert.deepEqual(
    records.map((r) => (JSON.parse(r.value) as { message: string }).message),
    ['chart 0 root-owned'],
  );
  const pid = Number((await podmanOk(['inspect', '--format', '{{.State.Pid}}', name])).trim());
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  assert.match(status, /^CapEff:\s+0+$/m, 'no effective capability');
  assert.match(status, /^CapBnd:\s+0+$/m, 'none it could gain');
  await podmanOk(['stop', '--time', '60', name], 90000);
  const written = readdirSync(state, { recursive: true }).map(String);
  assert.ok(written.length > 0, 'checkpoints written into the root 0755 folder');
});
