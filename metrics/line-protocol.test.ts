import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePoint, parseLine } from './line-protocol.ts';

test('integers carry the i suffix, floats do not, tags are sorted', () => {
  const line = encodePoint({
    measurement: 'mem',
    tags: { host: 'h1', a: 'x' },
    fields: { total: 8n, used_percent: 12.5, whole: 100 },
    time: 1700000000.9,
  });
  assert.equal(line, 'mem,a=x,host=h1 total=8i,used_percent=12.5,whole=100 1700000000');
});

test('escapes measurement, tag and field keys, and string values', () => {
  const line = encodePoint({
    measurement: 'my meas,x',
    tags: { 'tag key': 'a=b,c d' },
    fields: { 'f=1': 'say "hi" \\ bye', ok: true },
    time: 1,
  });
  assert.equal(line, 'my\\ meas\\,x,tag\\ key=a\\=b\\,c\\ d f\\=1="say \\"hi\\" \\\\ bye",ok=true 1');
  const back = parseLine(line!);
  assert.deepEqual(back, {
    measurement: 'my meas,x',
    tags: { 'tag key': 'a=b,c d' },
    fields: { 'f=1': 'say "hi" \\ bye', ok: true },
    time: 1,
  });
});

test('drops NaN and infinite fields, empty tags; a point with no field left is not written', () => {
  assert.equal(
    encodePoint({ measurement: 'm', tags: { e: '' }, fields: { a: NaN, b: 1n }, time: 2 }),
    'm b=1i 2',
  );
  assert.equal(encodePoint({ measurement: 'm', tags: {}, fields: { a: Infinity }, time: 2 }), undefined);
});

test('a newline cannot split a line', () => {
  const line = encodePoint({ measurement: 'm', tags: { t: 'a\nb' }, fields: { s: 'x\ny' }, time: 3 })!;
  assert.ok(!line.includes('\n'));
});

test('parses negative integers and exponent floats', () => {
  const p = parseLine('net,interface=all tcp_maxconn=-1i,x=1e+21 5');
  assert.deepEqual(p.fields, { tcp_maxconn: -1n, x: 1e21 });
});
