// Turns one line into the event's message, timestamp and parsed fields, per `parse.format`.
// v1: raw and json (auto = json when the line looks like an object, else raw). Issue 3
// adds cri, docker, partial-line merging and multiline in their own files.

import { isAlwaysOwned } from '../common/event/event.ts';
import type { Format } from '../common/schema/collect-entry.ts';

export interface Parsed {
  message: string;
  timestamp?: string;
  fields?: Record<string, unknown>;
  error?: string;
}

export type LineParser = (text: string) => Parsed;

export function parseJsonLine(text: string): Parsed {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    return { message: text, error: `not JSON: ${(err as Error).message}` };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return { message: text, error: 'JSON but not an object' };
  const o = obj as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  // The agent's own names (common/event) are not the line's to set; `msg` is read as the message.
  for (const [k, v] of Object.entries(o)) if (!isAlwaysOwned(k) && k !== 'msg') fields[k] = v;
  const message = typeof o.message === 'string' ? o.message : typeof o.msg === 'string' ? o.msg : text;
  const ts = o['@timestamp'] ?? o.time ?? o.timestamp ?? o.ts;
  const timestamp = normaliseTime(ts);
  return { message, fields, ...(timestamp ? { timestamp } : {}) };
}

export function normaliseTime(ts: unknown): string | undefined {
  if (typeof ts === 'string' && ts.length >= 10) {
    const d = new Date(ts);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  if (typeof ts === 'number' && Number.isFinite(ts)) {
    const ms = ts > 1e14 ? ts / 1000 : ts > 1e11 ? ts : ts * 1000;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  return undefined;
}

export function makeParser(format: Format): LineParser {
  switch (format) {
    case 'json':
      return parseJsonLine;
    case 'auto':
      return (text) => (text.startsWith('{') ? parseJsonLine(text) : { message: text });
    default:
      return (text) => ({ message: text });
  }
}
