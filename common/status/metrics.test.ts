import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetricsStatus, type MetricsStatus } from './metrics.ts';

const full: MetricsStatus = {
  node: 'n1',
  pid: 9,
  startedAt: '2026-01-01T00:00:00.000Z',
  intervalMs: 10000,
  inputs: ['cpu', 'mem'],
  writer: { description: 'influxdb v1 http://x/write?db=telegraf', up: false, lastError: 'ECONNREFUSED' },
  lastSampleAt: '2026-01-01T00:00:10.000Z',
  samples: 3,
  pointsWritten: 40,
  buffered: { lines: 12, bytes: 900, batches: 2, memoryBatches: 1 },
  dropped: { bufferFull: 5, rejected: 1 },
  inputErrors: { diskio: 'EACCES' },
  pipelineLeader: true,
  inventory: {
    kernel: '6.1.0',
    arch: 'x64',
    cores: 4,
    physicalCores: 2,
    cpuModel: 'Intel Xeon',
    speedGHz: 2.2,
  },
};

test('a record as the metrics service writes it reads back unchanged; unknown fields are ignored', () => {
  assert.deepEqual(parseMetricsStatus(JSON.stringify({ ...full, later: 1 }), '/lcs/v1/status/metrics/n1'), {
    ok: true,
    value: full,
  });
});

test('missing and mistyped fields take their defaults, never a throw', () => {
  const r = parseMetricsStatus(
    JSON.stringify({ inputs: 'cpu', inputErrors: { cpu: 3, mem: 'boom' }, dropped: { bufferFull: '7' } }),
    '/lcs/v1/status/metrics/node-from-key',
  );
  assert.ok(r.ok);
  assert.equal(r.value.node, 'node-from-key');
  assert.deepEqual(r.value.inputs, []);
  assert.deepEqual(r.value.inputErrors, { mem: 'boom' });
  assert.deepEqual(r.value.dropped, { bufferFull: 0, rejected: 0 });
  assert.deepEqual(r.value.writer, { description: '', up: true }, 'a record that does not say is no outage');
  assert.equal(r.value.pipelineLeader, false);
  assert.equal(r.value.inventory, undefined, 'no inventory unless the record has one');
});

test('a value that is not a JSON object is refused with what it was', () => {
  const r = parseMetricsStatus('[1]', '/lcs/v1/status/metrics/n');
  assert.deepEqual(r, {
    ok: false,
    error: 'metrics status /lcs/v1/status/metrics/n: an array, not an object',
  });
});
