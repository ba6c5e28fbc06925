import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dailyIndex, everyDay } from './index-name.ts';

test('daily indices are UTC dates of @timestamp', () => {
  assert.equal(dailyIndex('web', '2026-03-04T23:59:59.999-02:00', 0), 'web-2026.03.05');
  assert.equal(dailyIndex('web', 'garbage', Date.UTC(2026, 0, 2)), 'web-2026.01.02');
});

test('a missing timestamp falls back to the record time; every day matches the base pattern', () => {
  assert.equal(dailyIndex('web', undefined, Date.UTC(2026, 11, 31, 23, 59)), 'web-2026.12.31');
  assert.equal(dailyIndex('web', '2027-01-01T00:00:00.000Z', 0), 'web-2027.01.01');
  assert.equal(everyDay('web'), 'web-*');
  assert.match(
    dailyIndex('web', '2026-05-06T07:08:09Z', 0),
    new RegExp(`^${everyDay('web').replace('*', '.*')}$`),
  );
});
