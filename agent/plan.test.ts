import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSnapshot, emptySnapshot, type RawValue } from '../common/config/snapshot.ts';
import { planCollections, selectorMatches } from './plan.ts';

const entry = (extra: object = {}) =>
  JSON.stringify({ source: { files: { paths: ['/var/log/a.log'] } }, topic: 't', ...extra });
const snap = (o: Record<string, string>) =>
  decodeSnapshot(
    emptySnapshot,
    new Map<string, RawValue>(Object.entries(o).map(([k, v]) => [k, { value: v, modRevision: 1 }])),
    1,
  );

test('entries for other nodes are left out; names and selectors decide', () => {
  const s = snap({
    '/lcs/v1/collect/adhoc/all': entry(),
    '/lcs/v1/collect/adhoc/mine': entry({ nodes: { names: ['n1'] } }),
    '/lcs/v1/collect/adhoc/other': entry({ nodes: { names: ['n2'] } }),
    '/lcs/v1/collect/adhoc/gpu': entry({ nodes: { selector: { matchLabels: { gpu: 'true' } } } }),
  });
  assert.deepEqual([...planCollections(s, 'n1', {}).run.keys()].sort(), ['adhoc/all', 'adhoc/mine']);
  assert.deepEqual([...planCollections(s, 'n2', { gpu: 'true' }).run.keys()].sort(), [
    'adhoc/all',
    'adhoc/gpu',
    'adhoc/other',
  ]);
});

test('a broken entry without history is rejected with its reason', () => {
  const p = planCollections(snap({ '/lcs/v1/collect/adhoc/bad': '{' }), 'n1', {});
  assert.equal(p.run.size, 0);
  assert.match(p.rejected.get('adhoc/bad')!, /adhoc\/bad: \(value\): not valid JSON/);
});

test('the fingerprint changes with the entry and only then', () => {
  const a = planCollections(snap({ '/lcs/v1/collect/adhoc/x': entry() }), 'n', {}).run.get('adhoc/x')!;
  const b = planCollections(snap({ '/lcs/v1/collect/adhoc/x': entry() }), 'n', {}).run.get('adhoc/x')!;
  const c = planCollections(snap({ '/lcs/v1/collect/adhoc/x': entry({ topic: 'u' }) }), 'n', {}).run.get(
    'adhoc/x',
  )!;
  assert.equal(a.fingerprint, b.fingerprint);
  assert.notEqual(a.fingerprint, c.fingerprint);
});

test('label selector operators', () => {
  const l = { app: 'web', tier: 'front' };
  assert.ok(
    selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, l),
  );
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, l));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, l));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, l));
  assert.ok(!selectorMatches({ matchLabels: { app: 'api' } }, l));
});
