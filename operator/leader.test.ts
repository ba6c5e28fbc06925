import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Lease } from '@kubernetes/client-node';
import { decide } from './leader.ts';
import { statusPatch } from './kube-client.ts';

const lease = (holder: string, renew: string): V1Lease => ({
  spec: { holderIdentity: holder, renewTime: new Date(renew), leaseDurationSeconds: 15 },
});

test('no Lease: create it', () => {
  assert.equal(decide(undefined, 'me', 0, 15000, undefined).action, 'create');
});

test('our own Lease: renew', () => {
  assert.equal(decide(lease('me', '2025-01-01T00:00:00Z'), 'me', 0, 15000, undefined).action, 'renew');
});

test("another holder's Lease is taken over only after it stayed unchanged a whole duration on our clock", () => {
  const l = lease('other', '2025-01-01T00:00:00Z');
  const first = decide(l, 'me', 1000, 15000, undefined);
  assert.equal(first.action, 'wait');
  const later = decide(l, 'me', 15999, 15000, first.observed);
  assert.equal(later.action, 'wait');
  assert.equal(decide(l, 'me', 16000, 15000, later.observed).action, 'takeover');
  // A renewal resets the wait, whatever the timestamps say (no trust in the holder's clock).
  const renewed = decide(lease('other', '2020-01-01T00:00:00Z'), 'me', 16000, 15000, later.observed);
  assert.equal(renewed.action, 'wait');
});

test('a released Lease (no holder) is taken at once', () => {
  assert.equal(decide(lease('', '2025-01-01T00:00:00Z'), 'me', 0, 15000, undefined).action, 'takeover');
});

test('the status patch nulls fields that went away, so merge patch cannot leave them behind', () => {
  const next = {
    observedGeneration: 2,
    key: 'k',
    agents: 0,
    agentsUpToDate: 0,
    agentsWithErrors: 0,
    eventsPerSec: 0,
    conditions: [],
  };
  assert.deepEqual(statusPatch({ ...next, lastError: 'x', modRevision: 3 }, next).status, {
    ...next,
    lastError: null,
    modRevision: null,
  });
});
