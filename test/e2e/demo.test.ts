// `npm run demo` itself: it brings the pipeline up on logs/web.log and the generated lines
// become searchable (run with --exit-after so it ends by itself once they are).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/lcs-process.ts';

test('the demo delivers generated lines to Elasticsearch and stops cleanly', async () => {
  const child = spawn(
    process.execPath,
    [...process.execArgv, join(repoRoot, 'deploy/local/demo.ts'), '--exit-after', '20', '--rate', '20'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 0, out);
  assert.match(out, /curl 'http:\/\/127\.0\.0\.1:\d+\/web-\*\/_search\?q=message:/);
  const counts = [...out.matchAll(/(\d+) searchable in web-\*/g)].map((m) => Number(m[1]));
  assert.ok(counts.length > 0 && counts[counts.length - 1]! >= 20, out);
});
