// `npm run demo` itself: it brings the pipeline up on logs/web.log and the generated lines
// become searchable (run with --exit-after so it ends by itself once they are). Then as a
// user runs it: stopped with Ctrl-C and started again, the second demo shows lines at once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/lcs-process.ts';
import { waitFor } from '../support/wait.ts';

interface Demo {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** The demo in its own process group, so a test can Ctrl-C it as a terminal does: SIGINT to every process of the group. */
function startDemo(...args: string[]): Demo {
  const child = spawn(
    process.execPath,
    [...process.execArgv, join(repoRoot, 'deploy/local/demo.ts'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { child, output: () => out, exited };
}

const searchableCounts = (out: string) =>
  [...out.matchAll(/(\d+) searchable in web-\*/g)].map((m) => Number(m[1]));
/** Seconds from the agent and the transfer being ready to the first searchable line (0 if before). */
const firstSearchableSeconds = (out: string) => {
  const m = /first lines searchable (before|([\d.]+) s after) the agent and the transfer were ready/.exec(
    out,
  );
  return m ? Number(m[2] ?? 0) : NaN;
};

test('the demo delivers generated lines to Elasticsearch and stops cleanly', async () => {
  const demo = startDemo('--exit-after', '20', '--rate', '20');
  const code = await demo.exited;
  const out = demo.output();
  assert.equal(code, 0, out);
  assert.match(out, /curl 'http:\/\/127\.0\.0\.1:\d+\/web-\*\/_search\?q=message:/);
  const counts = searchableCounts(out);
  assert.ok(counts.length > 0 && counts[counts.length - 1]! >= 20, out);
});

test('Ctrl-C stops every process cleanly, and the next demo shows lines within 5 s', async () => {
  const first = startDemo('--rate', '20');
  await waitFor(
    'the first demo to deliver lines',
    async () => searchableCounts(first.output()).some((n) => n > 0) || undefined,
    {
      timeoutMs: 120_000,
      intervalMs: 100,
    },
  );
  // The terminal's Ctrl-C: SIGINT to the demo and to the components it started, together;
  // the demo then sends each component its own SIGTERM.
  process.kill(-first.child.pid!, 'SIGINT');
  const firstCode = await first.exited;
  const out1 = first.output();
  assert.equal(firstCode, 0, out1);
  assert.match(out1, /lcs transfer stopped cleanly/, out1);
  assert.match(out1, /lcs agent stopped cleanly/, out1);

  const second = startDemo('--exit-after', '5', '--rate', '20');
  const secondCode = await second.exited;
  const out2 = second.output();
  assert.equal(secondCode, 0, out2);
  const seconds = firstSearchableSeconds(out2);
  assert.ok(
    seconds <= 5,
    `the second demo's first line took ${seconds} s to be searchable (a consumer group left uncleanly costs its session timeout)\n${out2}`,
  );
});
