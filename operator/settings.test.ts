import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../common/config/settings.ts';
import { operatorConfig } from './main.ts';
import { operatorSettings, validateOperatorSettings } from './settings.ts';

const load = (argv: string[]) =>
  loadSettings(operatorSettings, { argv: ['--operator-namespace', 'lcs-system', ...argv], env: {} });

test('the defaults pass every rule', () => {
  assert.deepEqual(validateOperatorSettings(load([])), []);
});

test('leader.renewDeadline must be shorter than leader.leaseDuration', () => {
  const problems = validateOperatorSettings(
    load(['--leader-lease-duration', '10s', '--leader-renew-deadline', '10s']),
  );
  assert.deepEqual(
    problems.map((p) => p.message),
    [
      'leader.renewDeadline: must be shorter than leader.leaseDuration (10000 ms), or two replicas could both lead',
    ],
  );
});

test('leader.retryPeriod must be shorter than leader.renewDeadline', () => {
  const problems = validateOperatorSettings(load(['--leader-retry-period', '10s']));
  assert.deepEqual(
    problems.map((p) => p.key),
    ['leader.retryPeriod'],
  );
  assert.match(problems[0]!.message, /must be shorter than leader\.renewDeadline \(10000 ms\)/);
});

test('the typed settings map to the Operator options', () => {
  const cfg = operatorConfig(load(['--operator-watch-namespace', 'team-a', '--leader-identity', 'pod-1']));
  assert.equal(cfg.watchNamespace, 'team-a');
  assert.deepEqual(cfg.policy.trustedNamespaces, ['lcs-system']);
  assert.equal(cfg.leader.namespace, 'lcs-system');
  assert.equal(cfg.leader.identity, 'pod-1');
  assert.equal(cfg.leader.leaseDurationMs, 15_000);
});
