import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLegacyConfig } from './legacy.ts';

test('the original format becomes one entry per element, read from the beginning', () => {
  const r = decodeLegacyConfig(
    JSON.stringify([
      { path: '/var/log/web.log', topic: 'web' },
      { path: '/var/log/net.log', topic: 'net' },
    ]),
  );
  assert.equal(r.issues, undefined);
  assert.deepEqual(
    r.items.map((i) => i.entry),
    [
      { source: { files: { paths: ['/var/log/web.log'] } }, topic: 'web', startAt: 'beginning' },
      { source: { files: { paths: ['/var/log/net.log'] } }, topic: 'net', startAt: 'beginning' },
    ],
  );
});

test('a bad element is reported by index; the others stand', () => {
  const r = decodeLegacyConfig(
    JSON.stringify([
      { path: '/a.log', topic: 'a' },
      { path: 'rel.log', topic: 'b' },
      { path: '/c.log' },
      { path: '/d', topic: 'd', extra: 1 },
    ]),
  );
  assert.ok(r.items[0]!.entry);
  assert.match(r.items[1]!.issues![0]!.path, /^\[1\]\.path$/);
  assert.match(r.items[2]!.issues![0]!.path, /^\[2\]\.topic$/);
  assert.equal(r.items[3]!.issues![0]!.path, '[3].extra');
});

test('a value that is not a JSON array is one issue', () => {
  assert.match(decodeLegacyConfig('nope').issues![0]!.message, /not valid JSON/);
  assert.match(decodeLegacyConfig('{"path":"/a"}').issues![0]!.message, /JSON array/);
});
