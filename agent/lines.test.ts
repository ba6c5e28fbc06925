import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './lines.ts';

const texts = (ls: { bytes: Buffer }[]) => ls.map((l) => l.bytes.toString());

test('lines across chunks keep their byte offsets', () => {
  const s = new LineSplitter(100, 1024);
  assert.deepEqual(texts(s.push(Buffer.from('ab'))), []);
  const out = s.push(Buffer.from('c\nde\r\nf'));
  assert.deepEqual(texts(out), ['abc', 'de']);
  assert.deepEqual(
    out.map((l) => [l.offset, l.end]),
    [
      [100, 104],
      [104, 108],
    ],
  );
  assert.equal(s.position, 108);
  assert.equal(s.buffered, 1);
  const last = s.flushPartial()!;
  assert.deepEqual([last.bytes.toString(), last.offset, last.end], ['f', 108, 109]);
});

test('a line over the limit is cut and marked, and the rest skipped in bounded memory', () => {
  const s = new LineSplitter(0, 4);
  const out = [...s.push(Buffer.from('0123456')), ...s.push(Buffer.from('789\nok\n'))];
  assert.deepEqual(texts(out), ['0123', 'ok']);
  assert.equal(out[0]!.truncated, true);
  assert.equal(out[0]!.length, 10);
  assert.deepEqual([out[1]!.offset, out[1]!.truncated], [11, false]);
  assert.ok(s.buffered <= 4);
});

test('empty lines are events too (offsets stay exact)', () => {
  const s = new LineSplitter(0, 10);
  assert.deepEqual(
    s.push(Buffer.from('\n\nx\n')).map((l) => [l.bytes.toString(), l.offset]),
    [
      ['', 0],
      ['', 1],
      ['x', 2],
    ],
  );
});
