// The CRD on the real kube-apiserver, through the real kubectl: every example is accepted,
// every resource the project's own schema test rejects is rejected here too (structural
// schema, strict field validation and CEL), and `kubectl get lc` prints the printer columns
// with real values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { INVALID_SPECS } from '../support/kube/crd-cases.ts';
import {
  EXAMPLES,
  applyBase,
  clearLogCollections,
  ensureNamespace,
  kubectl,
  kubectlOk,
  table,
} from '../support/kube-cluster.ts';

const NS = 'crd-test';

test('every example in crds/examples is accepted by the real API server', async () => {
  await applyBase();
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3);
  const namespaces = new Set<string>();
  for (const f of files) {
    const doc = parse(readFileSync(join(EXAMPLES, f), 'utf8')) as { metadata: { namespace?: string } };
    const ns = doc.metadata.namespace ?? NS;
    namespaces.add(ns);
    await ensureNamespace(ns);
    const r = await kubectl(['apply', '-n', ns, '-f', join(EXAMPLES, f)]);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    assert.match(r.stdout, /logcollection\.lcs\.dev\/\S+ (created|configured|unchanged)/, f);
  }
  await clearLogCollections([...namespaces]);
});

for (const { name, spec, field, expected } of INVALID_SPECS) {
  test(`the real API server rejects, as the schema test does: ${name}`, async () => {
    await applyBase();
    await ensureNamespace(NS);
    const body = {
      apiVersion: 'lcs.dev/v1alpha1',
      kind: 'LogCollection',
      metadata: { name: 'x', namespace: NS },
      spec,
    };
    // kubectl's default --validate=strict makes the server refuse unknown fields too.
    const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(body) });
    assert.notEqual(r.code, 0, `accepted: ${JSON.stringify(spec)}`);
    assert.ok(r.stderr.includes(field), `expected ${field} in: ${r.stderr}`);
    // The CEL rule's own message reaches the user unchanged.
    if (/CEL/.test(name)) assert.match(r.stderr, expected);
  });
}

test('the real API server rejects a LogCollection without spec', async () => {
  await applyBase();
  await ensureNamespace(NS);
  const body = {
    apiVersion: 'lcs.dev/v1alpha1',
    kind: 'LogCollection',
    metadata: { name: 'x', namespace: NS },
  };
  const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(body) });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec: Required value/);
});

test('kubectl get lc prints Topic, Ready, Agents, Events/s (Reason with -o wide) from the real object', async (t) => {
  await applyBase();
  await ensureNamespace(NS);
  t.after(() => clearLogCollections([NS]));
  const lc = {
    apiVersion: 'lcs.dev/v1alpha1',
    kind: 'LogCollection',
    metadata: { name: 'columns', namespace: NS },
    spec: { topic: 'columns-topic', source: { pods: { namespace: NS } } },
  };
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(lc) });
  const before = table(await kubectlOk(['get', 'lc', '-n', NS, 'columns']));
  assert.deepEqual(Object.keys(before[0] ?? {}), ['NAME', 'TOPIC', 'READY', 'AGENTS', 'EVENTS/S', 'AGE']);
  assert.equal(before[0]?.['TOPIC'], 'columns-topic');
  assert.equal(before[0]?.['READY'], '', 'no status yet');
  const status = {
    status: {
      agents: 2,
      eventsPerSec: 12.5,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AgentsReporting',
          message: '2 agents',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    },
  };
  await kubectlOk([
    'patch',
    'lc',
    'columns',
    '-n',
    NS,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify(status),
  ]);
  const [row] = table(await kubectlOk(['get', 'lc', '-n', NS, 'columns', '-o', 'wide']));
  assert.equal(row?.['NAME'], 'columns');
  assert.equal(row?.['READY'], 'True');
  assert.equal(row?.['AGENTS'], '2');
  assert.equal(row?.['EVENTS/S'], '12.5');
  assert.equal(row?.['REASON'], 'AgentsReporting');
  assert.match(row?.['AGE'] ?? '', /^\d+s$/);
  // The short name works: `lc` is what the docs tell users to type.
  assert.match(await kubectlOk(['get', 'logcollections.lcs.dev', '-n', NS]), /columns/);
});
