// The UI as the server sends it: every module of console/ui/ strips to JavaScript that Node
// parses as a module (so only erasable TypeScript is used), the page and style sheet have their
// types, and no path reaches outside console/ui/ or serves a test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UI_DIR, toJavaScript, uiAsset, uiFileName } from './ui-assets.ts';

const modules = readdirSync(UI_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

test('every UI module strips to JavaScript that parses as an ES module', async () => {
  assert.ok(modules.includes('app.ts'), `app.ts among ${modules.join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'lcs-ui-'));
  for (const m of modules) {
    const asset = await uiAsset(`/ui/${m}`);
    assert.ok(asset, m);
    assert.equal(asset.contentType, 'text/javascript; charset=utf-8');
    const js = String(asset.body);
    assert.doesNotMatch(js, /\bimport type\b|: (string|number|boolean)\b/, `${m}: types left in`);
    const file = join(dir, m.replace(/\.ts$/, '.mjs'));
    writeFileSync(file, js);
    const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${m}: ${check.stderr}`);
  }
});

test('the page, its style sheet and nothing else', async () => {
  const page = await uiAsset('/');
  assert.equal(page?.contentType, 'text/html; charset=utf-8');
  assert.match(String(page?.body), /<script type="module" src="\/ui\/app.ts">/);
  assert.equal((await uiAsset('/index.html'))?.contentType, 'text/html; charset=utf-8');
  assert.equal((await uiAsset('/ui/style.css'))?.contentType, 'text/css; charset=utf-8');
  for (const bad of [
    '/ui/../ui-assets.ts',
    '/ui/..%2Fui-assets.ts',
    '/ui/%2e%2e/ui-assets.ts',
    '/ui/.hidden.ts',
    '/ui/tsconfig.json',
    '/ui/logic.test.ts',
    '/ui/missing.ts',
    '/ui/',
    '/ui-assets.ts',
    '/ui/%zz.ts',
  ])
    assert.equal(await uiAsset(bad), undefined, bad);
  assert.equal(uiFileName('/ui/app.ts'), 'app.ts');
});

test('TypeScript that cannot be stripped is named, not served half-converted', () => {
  assert.throws(
    () => toJavaScript('enum Color { Red }', 'bad.ts'),
    /console\/ui\/bad\.ts uses TypeScript that cannot be stripped/,
  );
  assert.equal(toJavaScript('const x: number = 1;'), 'const x         = 1;');
});
