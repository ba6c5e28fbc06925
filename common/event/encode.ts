// The encoder: one event → the record value the agent produces. The hot path of the agent: most
// events are a plain line with no parsed fields, and for those the record is assembled from
// JSON fragments fixed per file (path, host, collection, static fields, Kubernetes metadata)
// around the few parts that change per line. No event object is built and only the message is
// escaped. Anything else (parsed fields, errors, a record over the size limit) goes through
// buildEvent + JSON.stringify, with the same fields. reader.ts is the inverse the transfer uses;
// the fragments' order here is the order it expects.

import { buildEvent, type EventSource } from './event.ts';
import { eventIdAt, eventIdPrefix } from './id.ts';
import { fitRecord } from './fit-record.ts';

/** What the encoder needs of one event read from a file (the agent's assembled event). */
export interface EncodableEvent {
  /** Byte offset of the event in the file: part of its id. */
  offset: number;
  message: string;
  /** The time the line carries, if its format has one: ISO 8601 as the agent writes it (not escaped). */
  timestamp?: string;
  /** Fields parsed from the line (json format). */
  fields?: Record<string, unknown>;
  /** Why the line is not what its format says. */
  error?: string;
  stream?: string;
  truncated: boolean;
  invalidUtf8: boolean;
  /** Bytes of the whole event in the file. */
  length: number;
}

export class EventEncoder {
  private readonly src: EventSource;
  private readonly maxBytes: number;
  private readonly tail: string;
  private readonly path: string;
  private readonly idPrefix: string;

  constructor(src: EventSource, maxRecordBytes: number) {
    this.src = src;
    this.maxBytes = maxRecordBytes;
    this.path = JSON.stringify(src.path);
    this.idPrefix = eventIdPrefix(src.node, src.fileId);
    let tail = `,"host":{"name":${JSON.stringify(src.node)}},"collection":{"name":${JSON.stringify(src.collection)}}`;
    if (src.kubernetes) {
      const k = src.kubernetes;
      tail += `,"kubernetes":${JSON.stringify({ namespace: k.namespace, pod: { name: k.pod }, container: { name: k.container }, ...(k.labels ? { labels: k.labels } : {}) })}`;
    }
    if (src.fields && Object.keys(src.fields).length) tail += `,"fields":${JSON.stringify(src.fields)}`;
    this.tail = tail + '}';
  }

  /** The record value and its UTF-8 length; `readAt` is the @timestamp of a line without one. */
  encode(e: EncodableEvent, readAt: string): { value: string; bytes: number } {
    if (e.fields === undefined && e.error === undefined) {
      let marks = '';
      if (e.truncated) marks += `,"truncated":true,"original_bytes":${e.length}`;
      if (e.invalidUtf8) marks += ',"invalid_utf8":true';
      const value =
        `{"@timestamp":"${e.timestamp ?? readAt}","message":${JSON.stringify(e.message)}` +
        (e.stream ? `,"stream":${JSON.stringify(e.stream)}` : '') +
        `,"event":{"id":"${eventIdAt(this.idPrefix, e.offset)}"${marks}}` +
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
    if (e.error) ev.error = { message: e.error };
    return fitRecord(ev, this.maxBytes);
  }
}
