// Property test of the event contract: random events with hostile content, encoded as the agent
// encodes them, read back as the transfer reads them. The reader's fast path must say exactly
// what a full JSON.parse says, on the encoder's records and on foreign records built to fool it.
// The random source is seeded, so a failure names the seed and case that reproduce it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEncoder, type EncodableEvent } from './encode.ts';
import { buildEvent, isAlwaysOwned, isReserved, type EventSource } from './event.ts';
import { eventId } from './id.ts';
import { FAST_PATH_MAX_CHARS, headOf, readHead, type EventHead } from './reader.ts';

const SEED = 0x1c5e;
const CASES = 4000;

/** mulberry32: a small seeded generator, enough to spread cases; not for anything secret. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

const PIECES = [
  'plain',
  ' ',
  '"',
  '\\',
  '\\"',
  '\\\\',
  '\\u0022',
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\n',
  '\r\n',
  '\t',
  '\u2028',
  'é',
  'ünïcödé ✓',
  '😀',
  '\ud800',
  '\udfff',
  '\udc00\ud800',
  '{',
  '}',
  '","event":{"id":"x"}',
  '"},"collection":{"name":"evil"}',
  '","@timestamp":"1999-01-01T00:00:00Z',
  '"}}',
  ',"collection":{"name":"',
  '</script>',
  '0',
];

function hostile(r: Random, maxPieces = 8): string {
  let s = '';
  for (let i = r.int(maxPieces + 1); i > 0; i--) s += r.pick(PIECES);
  return s;
}

function longOrHostile(r: Random): string {
  if (r.chance(0.03)) return 'x'.repeat(FAST_PATH_MAX_CHARS - 200 + r.int(400)) + hostile(r);
  if (r.chance(0.05)) return hostile(r, 400);
  return hostile(r);
}

const NAMES = [
  'level',
  'msg',
  'stream',
  'error',
  'event',
  'collection',
  '@timestamp',
  'host',
  'x',
  '__proto__',
];

function stringMap(r: Random): Record<string, string> {
  const m: Record<string, string> = {};
  for (let i = r.int(4); i > 0; i--) m[r.chance(0.5) ? r.pick(NAMES) : hostile(r, 3)] = hostile(r, 3);
  return m;
}

function jsonValue(r: Random, depth = 0): unknown {
  switch (r.int(depth > 2 ? 4 : 6)) {
    case 0:
      return hostile(r, 4);
    case 1:
      return r.int(1e6) - 5e5;
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.next() * 1e9;
    case 4:
      return Array.from({ length: r.int(3) }, () => jsonValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[r.pick(NAMES)] = jsonValue(r, depth + 1);
      return o;
    }
  }
}

/** Fields as a JSON line yields them (agent/parse.ts): parsed from text, the agent's own names left out. */
function parsedFields(r: Random): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = r.int(5); i > 0; i--) o[r.chance(0.6) ? r.pick(NAMES) : hostile(r, 2)] = jsonValue(r);
  const parsed = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).filter(([k]) => !isAlwaysOwned(k) && k !== 'msg'));
}

function source(r: Random): EventSource {
  return {
    node: r.chance(0.7) ? 'node-1' : hostile(r, 3),
    collection: r.chance(0.5) ? r.pick(['adhoc/a', 'k8s/ns/x', 'legacy/0']) : hostile(r, 4),
    path: r.chance(0.5) ? '/var/log/app.log' : hostile(r, 4),
    fileId: String(r.int(1e9)),
    ...(r.chance(0.3) ? { fields: stringMap(r) } : {}),
    ...(r.chance(0.3)
      ? {
          kubernetes: {
            namespace: hostile(r, 2),
            pod: hostile(r, 2),
            container: hostile(r, 2),
            ...(r.chance(0.5) ? { labels: stringMap(r) } : {}),
          },
        }
      : {}),
  };
}

function event(r: Random): EncodableEvent {
  const message = longOrHostile(r);
  return {
    offset: r.chance(0.1) ? 0 : r.int(2 ** 40),
    message,
    ...(r.chance(0.5)
      ? {
          timestamp: r.pick([
            '2026-01-02T03:04:05.123Z',
            '2026-01-02T03:04:05.123456789Z',
            '+010000-01-01T00:00:00.000Z',
          ]),
        }
      : {}),
    ...(r.chance(0.25) ? { fields: parsedFields(r) } : {}),
    ...(r.chance(0.1) ? { error: hostile(r, 3) } : {}),
    ...(r.chance(0.3) ? { stream: r.chance(0.7) ? r.pick(['stdout', 'stderr']) : hostile(r, 2) } : {}),
    truncated: r.chance(0.1),
    invalidUtf8: r.chance(0.1),
    length: Buffer.byteLength(message) + r.int(100),
  };
}

/** The reference: what a full parse of the record says. */
function fullRead(text: string): EventHead | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? headOf(v as Record<string, unknown>)
    : undefined;
}

/** Foreign records: an encoder record changed to look like the agent's and not be. */
const MUTATIONS: ((v: string, r: Random) => string)[] = [
  (v) => `${v.slice(0, -1)},"collection":{"name":"dup"}}`,
  (v) => `${v.slice(0, -1)},"event":{"id":"dup"}}`,
  (v) => `${v.slice(0, -1)},"@timestamp":"2000-01-01T00:00:00Z"}`,
  (v) => `${v.slice(0, -1)},"other":1}`,
  (v) => `${v}garbage`,
  (v) => `${v.slice(0, -1)}`,
  (v) => ` ${v}`,
  (v) => v.replace('"message":"', '"message":"\u0001'),
  (v) => v.replace('"message":"', '"message":"\\x'),
  (v) => v.replace('"message":"', '"message":"\\u12'),
  (v) => v.replace(/"id":"([^"]*)"/, '"id":"$1\\u0041"'),
  (v) => v.replace(/"id":"([^"]*)"/, `"id":"${'a'.repeat(513)}"`),
  (v) => v.replace('"offset":', '"offset":0'),
  (v) => v.replace(/"collection":\{"name":"/, '"collection":{"name":"\\"'),
  (v) => v.replace('},"host":', ',"truncated":true},"host":'),
  (v, r) => {
    const i = r.int(v.length);
    return v.slice(0, i) + r.pick(PIECES) + v.slice(i + 1);
  },
];

test('the reader says what a full parse says, and the encoder writes the event it was given', () => {
  const r = random(SEED);
  let fast = 0;
  let general = 0;
  let foreignFast = 0;
  const readAt = '2026-11-26T00:00:00.000Z';
  for (let c = 0; c < CASES; c++) {
    const where = `seed ${SEED} case ${c}`;
    const src = source(r);
    const e = event(r);
    const max = r.chance(0.15) ? 200 + r.int(2000) : 1 << 20;
    const { value, bytes } = new EventEncoder(src, max).encode(e, readAt);

    // The encoder: valid JSON, its length told right, the event it was given.
    assert.equal(bytes, Buffer.byteLength(value), where);
    const got = JSON.parse(value) as Record<string, unknown> & {
      message: string;
      event: { truncated?: boolean };
    };
    const want = JSON.parse(
      JSON.stringify({
        ...buildEvent(
          src,
          e.offset,
          e.message,
          e.timestamp ?? readAt,
          e.stream ? { ...e.fields, stream: e.stream } : e.fields,
          { truncated: e.truncated, invalidUtf8: e.invalidUtf8, originalBytes: e.length },
        ),
        ...(e.error ? { error: { message: e.error } } : {}),
      }),
    ) as Record<string, unknown> & { message: string; event: object };
    assert.deepEqual(
      [got['host'], got['collection'], got['log']],
      [{ name: src.node }, { name: src.collection }, { file: { path: src.path }, offset: e.offset }],
      where,
    );
    if (Buffer.byteLength(JSON.stringify(want)) <= max) assert.deepEqual(got, want, where);
    else {
      // Cut to fit: only reserved names are left, the message is a prefix, marked truncated.
      assert.deepEqual(
        Object.keys(got).filter((k) => !isReserved(k)),
        [],
        where,
      );
      assert.ok(want.message.startsWith(got.message), where);
      assert.equal(got.event.truncated, true, where);
      assert.ok(bytes <= max || got.message === '', where);
      for (const k of ['@timestamp', 'log', 'host', 'collection', 'kubernetes', 'fields', 'stream', 'error'])
        assert.deepEqual(got[k], want[k], `${where}: ${k}`);
      assert.deepEqual({ ...got.event, truncated: true }, { ...want.event, truncated: true }, where);
    }
    assert.equal((got.event as { id?: string }).id, eventId(src.node, src.fileId, e.offset), where);

    // The reader: the record's bytes as the transfer gets them.
    const text = Buffer.from(value).toString('utf8');
    assert.equal(text, value, `${where}: the encoder writes well-formed UTF-16 (lone surrogates escaped)`);
    const reference = fullRead(text);
    assert.deepEqual(
      reference,
      {
        timestamp: e.timestamp ?? readAt,
        id: eventId(src.node, src.fileId, e.offset),
        collection: src.collection,
      },
      where,
    );
    const head = readHead(text);
    if (head) {
      fast++;
      assert.deepEqual(head, reference, where);
    } else general++;
    // Every record in the plain-line shape takes the fast path, unless it is too long for it.
    if (value.startsWith('{"@timestamp":') && value.length <= FAST_PATH_MAX_CHARS)
      assert.ok(head, `${where}: fast path expected for ${value.slice(0, 300)}`);

    const foreign = r.pick(MUTATIONS)(value, r);
    const foreignHead = readHead(foreign);
    if (foreignHead) {
      foreignFast++;
      assert.deepEqual(foreignHead, fullRead(foreign), `${where}: foreign ${foreign.slice(0, 300)}`);
    }
  }
  // Both paths were exercised, and foreign records did reach the comparison.
  assert.ok(fast > CASES / 3, `fast path taken ${fast} times`);
  assert.ok(general > CASES / 10, `general path taken ${general} times`);
  assert.ok(foreignFast > 20, `foreign records on the fast path: ${foreignFast}`);
});

test('records built to fool the fast path are left to the full parse', () => {
  const value = new EventEncoder({ node: 'n', collection: 'c', path: '/p', fileId: 'f' }, 1 << 20).encode(
    { offset: 1, message: 'm', truncated: false, invalidUtf8: false, length: 1 },
    '2026-01-01T00:00:00.000Z',
  ).value;
  assert.deepEqual(readHead(value), {
    timestamp: '2026-01-01T00:00:00.000Z',
    id: eventId('n', 'f', 1),
    collection: 'c',
  });
  const foreign = {
    'a later collection (JSON.parse keeps the last)': `${value.slice(0, -1)},"collection":{"name":"dup"}}`,
    'a later event.id': `${value.slice(0, -1)},"event":{"id":"dup"}}`,
    'a later @timestamp': `${value.slice(0, -1)},"@timestamp":"2000-01-01T00:00:00Z"}`,
    'a name the agent does not write': `${value.slice(0, -1)},"other":1}`,
    'text after the object': `${value}garbage`,
    'no closing brace': value.slice(0, -1),
    'leading space': ` ${value}`,
    'a raw control character': value.replace('"message":"', '"message":"\u0001'),
    'an invalid escape': value.replace('"message":"', '"message":"\\x'),
    'a short unicode escape': value.replace('"message":"', '"message":"\\u12'),
    'an escaped id': value.replace(/"id":"([^"]*)"/, '"id":"$1\\u0041"'),
    'an id over 512 characters': value.replace(/"id":"([^"]*)"/, `"id":"${'a'.repeat(513)}"`),
    'a number with a leading zero': value.replace('"offset":', '"offset":0'),
    'a mark outside event': value.replace('},"host":', ',"truncated":true},"host":'),
  };
  for (const [what, text] of Object.entries(foreign)) assert.equal(readHead(text), undefined, what);
});

test('an escaped collection name is unescaped; an overlong record takes the general path', () => {
  const src = { node: 'n', collection: 'k8s/ns/q"x\u0001é', path: '/p', fileId: 'f' };
  const enc = new EventEncoder(src, 1 << 20);
  const plain = { offset: 1, message: 'm', truncated: false, invalidUtf8: false, length: 1 };
  assert.equal(readHead(enc.encode(plain, '2026-01-01T00:00:00.000Z').value)?.collection, src.collection);
  const long = enc.encode({ ...plain, message: 'x'.repeat(FAST_PATH_MAX_CHARS) }, '2026-01-01T00:00:00.000Z');
  assert.equal(readHead(long.value), undefined);
  assert.equal(fullRead(long.value)?.collection, src.collection);
});
