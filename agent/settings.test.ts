import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings, renderHelp } from '../common/config/settings.ts';
import { agentSettings, nodeLabelsOf, validateAgentSettings } from './settings.ts';

const load = (argv: string[], env: Record<string, string> = {}) => loadSettings(agentSettings, { argv, env });

test('the defaults pass every rule', () => {
  assert.deepEqual(validateAgentSettings(load([])), []);
});

test('agent.pollMax below agent.poll is refused, naming agent.pollMax', () => {
  const problems = validateAgentSettings(load(['--agent-poll', '2s', '--agent-poll-max', '1s']));
  assert.deepEqual(
    problems.map((p) => p.key),
    ['agent.pollMax'],
  );
  assert.match(problems[0]!.message, /^agent\.pollMax: must be at least agent\.poll \(2000 ms\)/);
  assert.deepEqual(validateAgentSettings(load(['--agent-poll', '1s', '--agent-poll-max', '1s'])), []);
});

test("the shared rules apply to the agent's settings too", () => {
  assert.deepEqual(
    validateAgentSettings(load([], { LCS_KAFKA_SASL_MECHANISM: 'plain' })).map((p) => p.key),
    ['kafka.saslUsername'],
  );
});

test('node labels become a map', () => {
  assert.deepEqual(nodeLabelsOf(load([], { LCS_NODE_LABELS: 'zone=a,role=web=x' })), {
    zone: 'a',
    role: 'web=x',
  });
});

test('--help lists every setting in declaration order', () => {
  const flags = [...renderHelp('agent', 's', agentSettings).matchAll(/^ {2}(--[a-z-]+) </gm)].map(
    (m) => m[1],
  );
  assert.equal(flags[0], '--etcd-endpoints');
  assert.equal(flags.length, Object.keys(agentSettings).length + 1);
  assert.equal(flags.at(-1), '--config');
  assert.ok(flags.indexOf('--agent-kafka-client') < flags.indexOf('--agent-kubeconfig'));
});
