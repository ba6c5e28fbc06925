// The metric names every long-running component exposes (docs/design.md "Status and
// observability"), checked the same way for each: one helper, so a component cannot drift.

import assert from 'node:assert/strict';
import { SHARED_METRICS } from '../../common/observe/metrics.ts';

/** Parses Prometheus text into name{labels} → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Asserts the shared names are declared (HELP/TYPE) and returns the parsed samples. */
export function assertSharedMetrics(component: string, text: string): Map<string, number> {
  for (const name of Object.values(SHARED_METRICS)) {
    assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), `${component} exposes ${name}`);
  }
  assert.match(text, /^lcs_process_memory_bytes\{kind="rss"\} \d+/m, `${component} exposes its memory`);
  return parseMetrics(text);
}

/** The sum of a metric over all its label sets. */
export function total(samples: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [k, v] of samples) if (k === name || k.startsWith(`${name}{`)) sum += v;
  return sum;
}
