// The image build's pure parts: which Debian and mirror the base comes from, and that the
// up-to-date check hashes everything the Dockerfile copies (else a changed file would be
// skipped and the test would run an old image).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONTEXT_INPUTS, DOCKERFILE, baseTag, debianMirror, debianRelease, sourceHash } from './build.ts';

test('the Debian release comes from /etc/os-release; anything else is refused by name', () => {
  assert.equal(debianRelease('ID=debian\nVERSION_CODENAME=bookworm\n'), 'bookworm');
  assert.equal(debianRelease('ID="debian"\nVERSION_CODENAME="trixie"\n'), 'trixie');
  assert.throws(
    () => debianRelease('ID=ubuntu\nVERSION_CODENAME=noble\n'),
    /not Debian.*ID=ubuntu.*LCS_DEBIAN_RELEASE/,
  );
  assert.match(baseTag('bookworm'), /^localhost\/lcs-base:node24-bookworm$/);
});

test('the mirror is the configured main archive, deb822 or one-line, never the security archive', () => {
  const deb822 =
    'Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\n' +
    'Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n';
  assert.equal(debianMirror([deb822]), 'http://mirror.example/debian');
  assert.equal(
    debianMirror(['deb [arch=amd64] http://ftp.example/debian bookworm main\n']),
    'http://ftp.example/debian',
  );
  assert.equal(
    debianMirror(['deb https://packages.cloud.google.com/apt cloud-sdk main\n']),
    'http://deb.debian.org/debian',
  );
  assert.equal(debianMirror([]), 'http://deb.debian.org/debian');
});

test('every COPY from the build context in deploy/Dockerfile is hashed by the up-to-date check', () => {
  const text = fs.readFileSync(DOCKERFILE, 'utf8');
  const sources: string[] = [];
  for (const m of text.matchAll(/^COPY\s+(?!--from)(.+)$/gm)) {
    const words = m[1]!.trim().split(/\s+/);
    sources.push(...words.slice(0, -1));
  }
  assert.ok(sources.length > 5, 'the Dockerfile copies from the context');
  for (const s of sources)
    assert.ok(
      CONTEXT_INPUTS.some((i) => s === i || s.startsWith(i + '/')),
      `${s} is copied by the Dockerfile but not in CONTEXT_INPUTS`,
    );
  const ignored = fs.readFileSync(path.join(path.dirname(DOCKERFILE), '..', '.dockerignore'), 'utf8');
  for (const s of sources) assert.ok(!ignored.split('\n').includes(s), `.dockerignore leaves out ${s}`);
});

test('the input hash changes with a file, its mode and the base, and ignores tests', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lcs-hash-'));
  try {
    fs.mkdirSync(path.join(root, 'agent'));
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.writeFileSync(path.join(root, 'agent', 'a.ts'), 'export {};\n');
    const h0 = sourceHash('base1', root);
    assert.equal(sourceHash('base1', root), h0);
    assert.notEqual(sourceHash('base2', root), h0);
    fs.writeFileSync(path.join(root, 'agent', 'a.test.ts'), 'test');
    assert.equal(sourceHash('base1', root), h0, 'test files are not in the image');
    fs.writeFileSync(path.join(root, 'agent', 'a.ts'), 'export {}; \n');
    const h1 = sourceHash('base1', root);
    assert.notEqual(h1, h0);
    fs.chmodSync(path.join(root, 'agent', 'a.ts'), 0o755);
    assert.notEqual(sourceHash('base1', root), h1);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
