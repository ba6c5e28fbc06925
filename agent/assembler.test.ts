import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Assembler } from './assembler.ts';
import { LineSplitter } from './lines.ts';
import { parseCri, parseDocker } from './formats.ts';

const feed = (a: Assembler, text: string, now = 0, at = 0) =>
  a.push(new LineSplitter(at, 1 << 20).push(Buffer.from(text)), now);

test('CRI lines: timestamp, stream, and P/F partials merged into one event spanning them', () => {
  const a = new Assembler({ format: 'cri' }, 1 << 20);
  const text =
    '2026-01-02T03:04:05.123456789Z stdout P hello \n2026-01-02T03:04:05.2Z stdout F world\n2026-01-02T03:04:06Z stderr F oops\n';
  const evs = feed(a, text);
  assert.deepEqual(
    evs.map((e) => [e.message, e.stream, e.timestamp, e.offset]),
    [
      ['hello world', 'stdout', '2026-01-02T03:04:05.123456789Z', 0],
      ['oops', 'stderr', '2026-01-02T03:04:06.000Z', text.indexOf('2026-01-02T03:04:06')],
    ],
  );
  assert.equal(evs[0]!.end, text.indexOf('2026-01-02T03:04:06'));
});

test('docker json-file lines: partial logs (no trailing newline) are merged', () => {
  const a = new Assembler({ format: 'docker' }, 1 << 20);
  const lines = [
    JSON.stringify({ log: 'part one, ', stream: 'stdout', time: '2026-01-02T03:04:05.5Z' }),
    JSON.stringify({ log: 'part two\n', stream: 'stdout', time: '2026-01-02T03:04:05.6Z' }),
    JSON.stringify({
      log: '{"level":"warn","msg":"structured"}\n',
      stream: 'stderr',
      time: '2026-01-02T03:04:07Z',
    }),
  ];
  const evs = feed(a, lines.join('\n') + '\n');
  assert.equal(evs.length, 2);
  assert.equal(evs[0]!.message, 'part one, part two');
  assert.equal(evs[0]!.timestamp, '2026-01-02T03:04:05.500Z');
  assert.equal(evs[1]!.message, 'structured');
  assert.deepEqual(evs[1]!.fields, { level: 'warn' });
});

test('auto detects docker, CRI, JSON and raw per line', () => {
  const a = new Assembler({ format: 'auto' }, 1 << 20);
  const evs = feed(
    a,
    [
      JSON.stringify({ log: 'd\n', stream: 'stdout' }),
      '2026-01-02T03:04:05Z stdout F c',
      '{"message":"j","n":1}',
      'plain',
    ].join('\n') + '\n',
  );
  assert.deepEqual(
    evs.map((e) => e.message),
    ['d', 'c', 'j', 'plain'],
  );
  assert.deepEqual(evs[2]!.fields, { n: 1 });
});

test('json format marks lines that are not JSON and keeps them', () => {
  const a = new Assembler({ format: 'json' }, 1 << 20);
  const evs = feed(a, '{"a":1}\nnot json\n[1]\n');
  assert.deepEqual(
    evs.map((e) => [e.message, e.error !== undefined]),
    [
      ['{"a":1}', false],
      ['not json', true],
      ['[1]', true],
    ],
  );
});

test('multiline by start pattern, with max lines and a flush timeout', () => {
  const a = new Assembler(
    { format: 'raw', multiline: { start: '^\\d{4}-', maxLines: 3, flushTimeoutMs: 500 } },
    1 << 20,
  );
  let evs = feed(a, '2026-01-01 boom\n  at a\n  at b\n2026-01-01 next\n  at c\n  at d\n  at e\n', 0);
  assert.deepEqual(
    evs.map((e) => e.message),
    ['2026-01-01 boom\n  at a\n  at b', '2026-01-01 next\n  at c\n  at d'],
  );
  evs = feed(a, '', 100);
  assert.deepEqual(a.flush(400), [], 'not yet timed out');
  evs = a.flush(600);
  assert.deepEqual(
    evs.map((e) => e.message),
    ['  at e'],
  );
  assert.equal(a.heldSince, undefined);
});

test('an event over the max size is truncated and marked', () => {
  const a = new Assembler({ format: 'raw', multiline: { start: '^S' } }, 10);
  const [ev] = [...feed(a, 'S 12345\nmore text here\n'), ...a.flush(0, true)];
  assert.equal(ev!.truncated, true);
  assert.equal(Buffer.byteLength(ev!.message), 10);
});

test('invalid UTF-8 is replaced and marked', () => {
  const a = new Assembler(undefined, 1 << 20);
  const evs = a.push(new LineSplitter(0, 100).push(Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a])), 0);
  assert.equal(evs[0]!.message, 'a\uFFFD\uFFFDb');
  assert.equal(evs[0]!.invalidUtf8, true);
  const ok = a.push(new LineSplitter(0, 100).push(Buffer.from('real \uFFFD char\n')), 0);
  assert.equal(ok[0]!.invalidUtf8, false);
});

test('format parsers reject what is not theirs', () => {
  assert.equal(parseCri('hello world'), undefined);
  assert.equal(parseDocker('{"msg":"no log key"}'), undefined);
  assert.equal(parseDocker('{broken'), undefined);
});
