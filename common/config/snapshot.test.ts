import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSnapshot, emptySnapshot, sameCollections, type RawValue } from './snapshot.ts';

const good = (topic: string) => JSON.stringify({ source: { files: { paths: ['/var/log/a.log'] } }, topic });
const raw = (o: Record<string, string>, rev = 1) =>
  new Map<string, RawValue>(Object.entries(o).map(([k, v]) => [k, { value: v, modRevision: rev }]));

test('valid entries, legacy entries and non-collect keys', () => {
  const s = decodeSnapshot(
    emptySnapshot,
    raw({
      '/lcs/v1/collect/adhoc/a': good('a'),
      '/lcs/v1/collect/k8s/ns1/b': good('b'),
      '/collect_log_conf': JSON.stringify([{ path: '/var/log/w.log', topic: 'w' }]),
      '/lcs/v1/collect/elsewhere/x': good('x'),
    }),
    7,
  );
  assert.equal(s.revision, 7);
  assert.deepEqual([...s.collections.keys()].sort(), ['adhoc/a', 'k8s/ns1/b', 'legacy/0']);
  assert.equal(s.collections.get('legacy/0')!.entry!.topic, 'w');
});

test('a broken value keeps the last good entry and names the key and the problem', () => {
  const first = decodeSnapshot(emptySnapshot, raw({ '/lcs/v1/collect/adhoc/a': good('a') }), 1);
  const broken = decodeSnapshot(first, raw({ '/lcs/v1/collect/adhoc/a': '{"topic": 3}' }, 2), 2);
  const c = broken.collections.get('adhoc/a')!;
  assert.equal(c.entry!.topic, 'a', 'last good entry kept');
  assert.match(c.error!, /^\/lcs\/v1\/collect\/adhoc\/a: source: is required; topic: must be a string/);
  const fixed = decodeSnapshot(broken, raw({ '/lcs/v1/collect/adhoc/a': good('b') }, 3), 3);
  assert.equal(fixed.collections.get('adhoc/a')!.error, undefined);
  assert.equal(fixed.collections.get('adhoc/a')!.entry!.topic, 'b');
});

test('a broken value with no history runs nothing', () => {
  const s = decodeSnapshot(emptySnapshot, raw({ '/lcs/v1/collect/adhoc/bad': 'not json' }), 1);
  assert.equal(s.collections.get('adhoc/bad')!.entry, undefined);
  assert.match(s.collections.get('adhoc/bad')!.error!, /not valid JSON/);
});

test('an unreadable legacy value keeps every legacy collection', () => {
  const first = decodeSnapshot(
    emptySnapshot,
    raw({
      '/collect_log_conf': JSON.stringify([
        { path: '/var/log/w.log', topic: 'w' },
        { path: '/var/log/n.log', topic: 'n' },
      ]),
    }),
    1,
  );
  const broken = decodeSnapshot(first, raw({ '/collect_log_conf': '[{' }, 2), 2);
  assert.deepEqual(
    [...broken.collections.values()].map((c) => [c.name, c.entry?.topic, !!c.error]),
    [
      ['legacy/0', 'w', true],
      ['legacy/1', 'n', true],
    ],
  );
});

test('sameCollections ignores revisions but not entries or errors', () => {
  const a = decodeSnapshot(emptySnapshot, raw({ '/lcs/v1/collect/adhoc/a': good('a') }, 1), 1);
  const b = decodeSnapshot(emptySnapshot, raw({ '/lcs/v1/collect/adhoc/a': good('a') }, 5), 5);
  const c = decodeSnapshot(emptySnapshot, raw({ '/lcs/v1/collect/adhoc/a': good('c') }, 5), 5);
  assert.ok(sameCollections(a, b));
  assert.ok(!sameCollections(a, c));
});
