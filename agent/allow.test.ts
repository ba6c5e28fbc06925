import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globAllowed, globBase, realFileAllowed } from './allow.ts';

test('glob bases and lexical checks', () => {
  assert.equal(globBase('/var/log/pods/*/app/*.log'), '/var/log/pods');
  assert.equal(globBase('/var/log/a.log'), '/var/log/a.log');
  assert.equal(globAllowed('/var/log/**/*.log', ['/var/log']), undefined);
  assert.match(globAllowed('/etc/*', ['/var/log'])!, /outside the allowed roots/);
  assert.match(globAllowed('/var/log/../../etc/shadow', ['/var/log'])!, /contains "\.\."/);
  assert.match(globAllowed('/**/*.log', ['/var/log'])!, /outside the allowed roots/);
  assert.match(globAllowed('/var/logs-other/a', ['/var/log'])!, /outside/);
});

test('symlinks are resolved before the root check', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lcs-allow-'));
  const outside = mkdtempSync(join(tmpdir(), 'lcs-outside-'));
  writeFileSync(join(outside, 'secret'), 's');
  writeFileSync(join(root, 'ok.log'), 'x');
  symlinkSync(join(outside, 'secret'), join(root, 'evil.log'));
  assert.deepEqual(await realFileAllowed(join(root, 'ok.log'), [root]), {
    ok: true,
    real: join(root, 'ok.log'),
  });
  const evil = await realFileAllowed(join(root, 'evil.log'), [root]);
  assert.equal(evil.ok, false);
  if (!evil.ok) assert.match(evil.reason, /resolves to .*secret, outside the allowed roots/);
});
