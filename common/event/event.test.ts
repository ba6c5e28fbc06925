import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, isAlwaysOwned, isReserved, RESERVED } from './event.ts';
import { eventId, eventIdPrefix, ID_PREFIX_CHARS, recordKey } from './id.ts';

test('event ids are deterministic per (node, file, offset) and differ otherwise', () => {
  assert.equal(eventId('n', 'f', 10), eventId('n', 'f', 10));
  assert.notEqual(eventId('n', 'f', 10), eventId('n', 'f', 11));
  assert.notEqual(eventId('n', 'f', 10), eventId('m', 'f', 10));
  assert.notEqual(eventId('n', 'f', 10), eventId('n', 'g', 10));
  assert.match(eventId('n', 'f', 0), /^[A-Za-z0-9_-]{23}$/);
  // A file's ids share its prefix; the offset after it keeps them apart, also past 2^32.
  const prefix = eventIdPrefix('n', 'f');
  assert.equal(prefix.length, ID_PREFIX_CHARS);
  assert.equal(eventId('n', 'f', 2 ** 40), `${prefix}${(2 ** 40).toString(36)}`);
  assert.notEqual(eventId('n', 'f', 2 ** 40), eventId('n', 'f', 2 ** 40 + 1));
  assert.ok(eventId('n', 'f', 2 ** 40).length <= 512);
  assert.equal(recordKey('n', 'f'), 'n/f');
});

test('events use ECS names; parsed fields cannot overwrite them', () => {
  const ev = buildEvent(
    { node: 'n', collection: 'c', path: '/p', fileId: 'f', fields: { team: 'a' } },
    5,
    'hello',
    '2026-01-01T00:00:00.000Z',
    { message: 'x', host: 'evil', level: 'info' },
    { truncated: true, originalBytes: 99 },
  );
  assert.equal(ev.message, 'hello');
  assert.deepEqual(ev.host, { name: 'n' });
  assert.equal(ev.level, 'info');
  assert.deepEqual(ev.log, { file: { path: '/p' }, offset: 5 });
  assert.deepEqual(ev.event, { id: eventId('n', 'f', 5), truncated: true, original_bytes: 99 });
  assert.deepEqual(ev.fields, { team: 'a' });
});

test('the event built has only reserved names and the extras; a line keeps its own stream and error', () => {
  const src = {
    node: 'n',
    collection: 'c',
    path: '/p',
    fileId: 'f',
    fields: { team: 'a' },
    kubernetes: { namespace: 'ns', pod: 'p', container: 'c' },
  };
  const ev = buildEvent(src, 0, 'm', 't', { level: 'info' }, { truncated: true, invalidUtf8: true });
  assert.deepEqual(
    Object.keys(ev).filter((k) => !isReserved(k)),
    ['level'],
  );
  assert.ok(Object.keys(ev).every((k) => k === 'level' || RESERVED.includes(k as never)));
  assert.equal(isAlwaysOwned('host'), true);
  assert.equal(isAlwaysOwned('stream'), false, 'the agent writes stream only for container formats');
  assert.equal(isAlwaysOwned('error'), false, 'the agent writes error only when a line fails to parse');
  assert.equal(isReserved('error'), true);
  assert.equal(isReserved('level'), false);
});
