import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeVersionProblem } from './node-version.ts';

test('Node 24 and newer pass', () => {
  assert.equal(nodeVersionProblem('24.0.0'), undefined);
  assert.equal(nodeVersionProblem('24.21.0'), undefined);
  assert.equal(nodeVersionProblem('v25.1.0'), undefined);
});

test('an older Node gets a message that names the version and what to do', () => {
  const m = nodeVersionProblem('20.20.2', '/usr/bin/node');
  assert.match(m ?? '', /needs Node\.js 24 or newer; this is Node\.js 20\.20\.2 \(\/usr\/bin\/node\)/);
  assert.match(m ?? '', /set LCS_NODE/);
  assert.ok(nodeVersionProblem('22.18.0'));
  assert.ok(nodeVersionProblem('garbage'));
});
