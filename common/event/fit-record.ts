// Keeps every record under Kafka's size limit. JSON escaping can make a message several
// times its size in the file (control bytes become \u00XX), so the check is on the encoded
// record: an oversized one keeps only the reserved names, has its message cut until it fits,
// and is marked truncated. A record Kafka refuses as too large would otherwise block its file.

import { isReserved, type LogEvent } from './event.ts';

export function fitRecord(ev: LogEvent, maxBytes: number): { value: string; bytes: number } {
  let value = JSON.stringify(ev);
  const bytes = Buffer.byteLength(value);
  if (bytes <= maxBytes) return { value, bytes };
  for (const k of Object.keys(ev)) if (!isReserved(k)) delete ev[k];
  ev.event.truncated = true;
  // Re-encoded before cutting: the parsed fields alone may have been what did not fit, and
  // an empty message leaves nothing to cut.
  value = JSON.stringify(ev);
  let keep = ev.message.length;
  while (Buffer.byteLength(value) > maxBytes && keep > 0) {
    const over = Buffer.byteLength(value) - maxBytes;
    keep = Math.max(0, Math.floor(Math.min(keep - over, keep * 0.9)));
    ev.message = ev.message.slice(0, keep);
    value = JSON.stringify(ev);
  }
  return { value, bytes: Buffer.byteLength(value) };
}
