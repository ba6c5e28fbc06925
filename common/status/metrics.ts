// MetricsStatus (the status record of one metrics instance, `/lcs/v1/status/metrics/<node>`,
// under a lease): what it samples, whether InfluxDB takes its points, what waits on disk, what
// was dropped, and whether it is the one instance writing the pipeline's measurements. The
// metrics service writes it (metrics/service.ts); the console and the tests read it with
// parseMetricsStatus.

import {
  bool,
  jsonObject,
  num,
  object,
  optNum,
  optStr,
  recordOf,
  str,
  strings,
  type Parsed,
} from './read.ts';

export interface MetricsStatus {
  node: string;
  pid: number;
  startedAt: string;
  intervalMs: number;
  inputs: string[];
  writer: { description: string; up: boolean; lastError?: string };
  lastSampleAt?: string;
  samples: number;
  pointsWritten: number;
  buffered: { lines: number; bytes: number; batches: number; memoryBatches: number };
  dropped: { bufferFull: number; rejected: number };
  /** The last error of each input that failed in the last sample. */
  inputErrors: Record<string, string>;
  pipelineLeader: boolean;
  /** The host, read once at start-up (metrics/inventory.ts). */
  inventory?: {
    kernel: string;
    arch: string;
    cores: number;
    physicalCores?: number;
    cpuModel?: string;
    speedGHz?: number;
  };
}

/** A metrics instance's record from etcd; `key` supplies the node when the record does not. */
export function parseMetricsStatus(raw: string | Buffer, key = ''): Parsed<MetricsStatus> {
  const parsed = jsonObject(raw, `metrics status ${key}`.trimEnd());
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const writer = object(o['writer']);
  const buffered = object(o['buffered']);
  const dropped = object(o['dropped']);
  return {
    ok: true,
    value: {
      node: str(o['node'], key.slice(key.lastIndexOf('/') + 1)),
      pid: num(o['pid']),
      startedAt: str(o['startedAt']),
      intervalMs: num(o['intervalMs']),
      inputs: strings(o['inputs']),
      // Up unless the record says otherwise: a record that does not say is no outage report.
      writer: {
        description: str(writer['description']),
        up: bool(writer['up'], true),
        ...optStr('lastError', writer['lastError']),
      },
      ...optStr('lastSampleAt', o['lastSampleAt']),
      samples: num(o['samples']),
      pointsWritten: num(o['pointsWritten']),
      buffered: {
        lines: num(buffered['lines']),
        bytes: num(buffered['bytes']),
        batches: num(buffered['batches']),
        memoryBatches: num(buffered['memoryBatches']),
      },
      dropped: { bufferFull: num(dropped['bufferFull']), rejected: num(dropped['rejected']) },
      inputErrors: Object.fromEntries(
        Object.entries(recordOf(o['inputErrors'], (v) => (typeof v === 'string' ? v : undefined))).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      ),
      pipelineLeader: bool(o['pipelineLeader']),
      ...(o['inventory'] === undefined ? {} : { inventory: inventory(object(o['inventory'])) }),
    },
  };
}

function inventory(i: Record<string, unknown>): NonNullable<MetricsStatus['inventory']> {
  return {
    kernel: str(i['kernel']),
    arch: str(i['arch']),
    cores: num(i['cores']),
    ...optNum('physicalCores', i['physicalCores']),
    ...optStr('cpuModel', i['cpuModel']),
    ...optNum('speedGHz', i['speedGHz']),
  };
}
