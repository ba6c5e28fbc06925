// The hot path of the agent: most events are a plain line with no parsed fields, and for
// those the record is assembled from JSON fragments fixed per file (path, host, collection,
// static fields, Kubernetes metadata) around the few parts that change per line. No event
// object is built and only the message is escaped. Anything else (parsed fields, errors, a
// record over the size limit) goes through buildEvent + JSON.stringify, with the same fields.

import { buildEvent, eventId, type EventSource } from './event.ts';
import { fitRecord } from './fit-record.ts';
import type { AssembledEvent } from './assembler.ts';

export class EventEncoder {
  private readonly src: EventSource;
  private readonly maxBytes: number;
  private readonly tail: string;
  private readonly path: string;

  constructor(src: EventSource, maxRecordBytes: number) {
    this.src = src;
    this.maxBytes = maxRecordBytes;
    this.path = JSON.stringify(src.path);
    let tail = `,"host":{"name":${JSON.stringify(src.node)}},"collection":{"name":${JSON.stringify(src.collection)}}`;
    if (src.kubernetes) {
      const k = src.kubernetes;
      tail += `,"kubernetes":${JSON.stringify({ namespace: k.namespace, pod: { name: k.pod }, container: { name: k.container }, ...(k.labels ? { labels: k.labels } : {}) })}`;
    }
    if (src.fields && Object.keys(src.fields).length) tail += `,"fields":${JSON.stringify(src.fields)}`;
    this.tail = tail + '}';
  }

  /** The record value and its UTF-8 length. */
  encode(e: AssembledEvent, readAt: string): { value: string; bytes: number } {
    if (e.fields === undefined && e.error === undefined) {
      let marks = '';
      if (e.truncated) marks += `,"truncated":true,"original_bytes":${e.length}`;
      if (e.invalidUtf8) marks += ',"invalid_utf8":true';
      const value =
        `{"@timestamp":"${e.timestamp ?? readAt}","message":${JSON.stringify(e.message)}` +
        (e.stream === undefined ? '' : `,"stream":${JSON.stringify(e.stream)}`) +
        `,"event":{"id":"${eventId(this.src.node, this.src.fileId, e.offset)}"${marks}}` +
        `,"log":{"file":{"path":${this.path}},"offset":${e.offset}}` +
        this.tail;
      const bytes = Buffer.byteLength(value);
      if (bytes <= this.maxBytes) return { value, bytes };
    }
    const extra = e.stream ? { ...e.fields, stream: e.stream } : e.fields;
    const ev = buildEvent(this.src, e.offset, e.message, e.timestamp ?? readAt, extra, {
      truncated: e.truncated,
      invalidUtf8: e.invalidUtf8,
      originalBytes: e.length,
    });
    if (e.error) (ev as Record<string, unknown>)['error'] = { message: e.error };
    return fitRecord(ev, this.maxBytes);
  }
}
