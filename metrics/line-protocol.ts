// InfluxDB line protocol, precision seconds: `measurement,tag=v field=1i,f=0.5,s="x" 1700000000`.
// Escaping follows the InfluxDB 1.x reference: measurement escapes comma and space; tag keys,
// tag values and field keys escape comma, equals sign and space; string fields escape the
// double quote and the backslash. Tags are sorted by key, as InfluxDB recommends.

import type { FieldValue, Point } from './point.ts';

const escMeasurement = (s: string) => s.replace(/[, ]/g, (c) => '\\' + c);
const escKey = (s: string) => s.replace(/[,= ]/g, (c) => '\\' + c);
const escString = (s: string) => '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';
// A newline ends a line in the protocol and has no escape: replace it rather than corrupt the batch.
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

function encodeField(v: FieldValue): string | undefined {
  switch (typeof v) {
    case 'bigint':
      return `${v}i`;
    case 'number':
      // NaN and ±Infinity have no line-protocol form; the field is left out, not zeroed.
      return Number.isFinite(v) ? String(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return escString(oneLine(v));
  }
}

/** One line, or undefined when the point has no field left to write. */
export function encodePoint(p: Point): string | undefined {
  const fields: string[] = [];
  for (const [k, v] of Object.entries(p.fields)) {
    const e = encodeField(v);
    if (e !== undefined) fields.push(`${escKey(k)}=${e}`);
  }
  if (!fields.length) return undefined;
  let head = escMeasurement(p.measurement);
  for (const k of Object.keys(p.tags).sort()) {
    const v = p.tags[k];
    // An empty tag value is invalid in line protocol; Telegraf drops such tags too.
    if (v) head += `,${escKey(k)}=${escKey(oneLine(v))}`;
  }
  return `${head} ${fields.join(',')} ${Math.floor(p.time)}`;
}

export function encodePoints(points: Point[]): string[] {
  const out: string[] = [];
  for (const p of points) {
    const line = encodePoint(p);
    if (line !== undefined) out.push(line);
  }
  return out;
}

/**
 * Parses a line back into measurement, tags and typed fields — enough of the protocol for
 * the golden schema test and the integration tests to check what was written.
 */
export function parseLine(line: string): Point {
  let i = 0;
  const readUntil = (stops: string): string => {
    let out = '';
    while (i < line.length && !stops.includes(line[i]!)) {
      if (line[i] === '\\' && i + 1 < line.length) i++;
      out += line[i++];
    }
    return out;
  };
  const measurement = readUntil(', ');
  const tags: Record<string, string> = {};
  while (line[i] === ',') {
    i++;
    const k = readUntil('=');
    i++;
    tags[k] = readUntil(', ');
  }
  i++; // space
  const fields: Record<string, FieldValue> = {};
  for (;;) {
    const k = readUntil('=');
    i++;
    let v: FieldValue;
    if (line[i] === '"') {
      i++;
      let s = '';
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\') i++;
        s += line[i++];
      }
      i++;
      v = s;
    } else {
      const raw = readUntil(', ');
      if (/^-?\d+i$/.test(raw)) v = BigInt(raw.slice(0, -1));
      else if (raw === 'true' || raw === 'false') v = raw === 'true';
      else {
        v = Number(raw);
        if (Number.isNaN(v)) throw new Error(`bad field value ${raw} in: ${line}`);
      }
    }
    fields[k] = v;
    if (line[i] === ',') {
      i++;
      continue;
    }
    break;
  }
  i++;
  const time = Number(line.slice(i));
  return { measurement, tags, fields, time };
}
