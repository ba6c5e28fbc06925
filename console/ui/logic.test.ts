/// <reference types="node" />
// The UI's pure logic: roles per prefix, issue paths to fields, the review diff, routes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atLeast, compact, diffLines, fieldForPath, parseRoute, roleFor, route } from './logic.ts';

test('a key gets the highest role of the grants whose prefix it starts with', () => {
  const grants = [
    { prefix: '/lcs/v1/collect/adhoc/', role: 'editor' as const },
    { prefix: '/', role: 'viewer' as const },
    { prefix: '/lcs/v1/collect/adhoc/ci-', role: 'admin' as const },
  ];
  assert.equal(roleFor('/lcs/v1/collect/adhoc/web', grants), 'editor');
  assert.equal(roleFor('/lcs/v1/collect/adhoc/ci-x', grants), 'admin');
  assert.equal(roleFor('/lcs/v1/status/agents/n1', grants), 'viewer');
  assert.equal(roleFor('/x', []), undefined);
  assert.ok(atLeast('admin', 'editor'));
  assert.ok(!atLeast('viewer', 'editor'));
  assert.ok(!atLeast(undefined, 'viewer'));
});

test('an issue goes to the deepest field its path names', () => {
  const fields = ['(root)', 'source', 'source.files', 'source.files.paths', 'parse.multiline.start', 'topic'];
  assert.equal(fieldForPath('parse.multiline.start', fields), 'parse.multiline.start');
  assert.equal(fieldForPath('source.files.paths[2]', fields), 'source.files.paths');
  assert.equal(fieldForPath('source.pods.namespace', fields), 'source');
  assert.equal(fieldForPath('(root)', fields), '(root)');
  assert.equal(fieldForPath('nodes.names', fields), undefined);
  assert.equal(fieldForPath('', fields), undefined);
});

test('the diff keeps common lines and marks removed and added ones', () => {
  assert.deepEqual(diffLines('a\nb\nc', 'a\nx\nc'), [
    { op: ' ', text: 'a' },
    { op: '-', text: 'b' },
    { op: '+', text: 'x' },
    { op: ' ', text: 'c' },
  ]);
  assert.deepEqual(diffLines('', 'a'), [{ op: '+', text: 'a' }]);
  assert.deepEqual(diffLines('a', ''), [{ op: '-', text: 'a' }]);
  assert.deepEqual(
    diffLines('a\nb', 'a\nb').map((d) => d.op),
    [' ', ' '],
  );
});

test('routes round-trip names with slashes as one segment', () => {
  assert.equal(route('collections', 'adhoc/web', 'edit'), '#/collections/adhoc%2Fweb/edit');
  assert.deepEqual(parseRoute('#/collections/adhoc%2Fweb/edit'), ['collections', 'adhoc/web', 'edit']);
  assert.deepEqual(parseRoute(''), []);
  assert.deepEqual(parseRoute('#/keys/%zz'), ['keys', '%zz']);
});

test('numbers are shown short', () => {
  assert.equal(compact(950), '950');
  assert.equal(compact(1234567), '1.2 M');
  assert.equal(compact(2048, 'B'), '2.0 kB');
  assert.equal(compact(0, 'B'), '0 B');
  assert.equal(compact(undefined), '–');
});
