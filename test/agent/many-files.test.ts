// A thousand files on one node: one tailer per file, file handles and watches bounded by the
// files and their folders (not growing), and idle files cost little CPU (polling backs off;
// file events wake a tailer at once). Lines appended to any of them still arrive.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { endOffsetSum } from '../support/kafka.ts';
import { usePipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';

const { p, etcd, kafka } = usePipeline('many');
const FILES = 1000;

before(() => {
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(p.dir, `app${d}`));
    for (let f = 0; f < FILES / 10; f++)
      writeFileSync(join(p.dir, `app${d}`, `f${f}.log`), `start ${d}/${f}\n`);
  }
  p.startAgent();
});

const cpuTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
};
const openFiles = (pid: number) =>
  readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });

test(`${FILES} files: bounded handles, low idle CPU, appended lines arrive`, async () => {
  const topic = `many-${p.id}`;
  await etcd.put(adhocEntryKey('many')).value(
    JSON.stringify({
      source: { files: { paths: [join(p.dir, 'app*', '*.log')] } },
      topic,
      startAt: 'beginning',
    }),
  );
  await waitFor(
    `${FILES} files tailed`,
    async () => (await p.agentStatus())?.collections['adhoc/many']?.files === FILES,
    { timeoutMs: 60000 },
  );
  await waitFor('first lines acknowledged', async () => (await endOffsetSum(kafka, topic)) >= FILES, {
    timeoutMs: 60000,
  });
  const pid = p.agent!.proc.pid!;

  const logHandles = openFiles(pid).filter((l) => l.endsWith('.log') && l.startsWith(p.dir)).length;
  assert.equal(logHandles, FILES, 'one open handle per tailed file');
  assert.ok(openFiles(pid).length < FILES + 200, `open descriptors bounded (${openFiles(pid).length})`);

  // Let idle polling back off, then measure CPU over a few seconds of no writes.
  await new Promise((r) => setTimeout(r, 3000)); // settling time before a measurement window
  const t0 = cpuTicks(pid);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 5000)); // the measurement window
  const cpuShare = (cpuTicks(pid) - t0) / 100 / ((Date.now() - started) / 1000);
  process.stdout.write(`# idle CPU with ${FILES} files: ${(cpuShare * 100).toFixed(1)}% of a core\n`);
  assert.ok(cpuShare < 0.35, `idle CPU ${(cpuShare * 100).toFixed(1)}% of a core`);

  for (let d = 0; d < 10; d++) appendFileSync(join(p.dir, `app${d}`, 'f7.log'), `later ${d}\n`);
  await waitFor('appended lines acknowledged', async () => (await endOffsetSum(kafka, topic)) >= FILES + 10, {
    timeoutMs: 30000,
  });
});
