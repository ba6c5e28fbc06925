// kafkajs frames every request by copying it twice into new, zero-filled, power-of-two buffers
// (kafkajs/src/protocol/request.js): 2 MB of short-lived native memory per 512 KB batch, which
// fragmented the malloc heap to tens of MB under load. Loading this module replaces that one,
// before kafkajs's connection loads it, with the same framing that, for a payload built with
// room in front (the direct producer's), writes the header there instead of copying. Every
// other request (metadata, versions, SASL) is framed exactly as kafkajs does.

import { Module, createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// kafkajs's Encoder, typed as far as it is used here (kafkajs 2.2.x, pinned in package-lock).
interface Encoder {
  buf: Buffer;
  offset: number;
  size(): number;
  writeInt16(n: number): Encoder;
  writeInt32(n: number): Encoder;
  writeString(s: string | null): Encoder;
  writeEncoder(e: Encoder): Encoder;
}
const EncoderClass = require('kafkajs/src/protocol/encoder.js') as new (size?: number) => Encoder;

/** Marks a payload that has room for kafkajs's request header in front of it. */
const FRAMED = Symbol('lcs.framed');
interface FramedEncoder extends Encoder {
  [FRAMED]: number;
}

/** Whether this process frames requests in place (false if kafkajs was loaded first). */
export const framingInstalled = installFraming();

/** Bytes to leave free at the start of a request payload for its header (0 if not installed). */
export function requestRoom(clientId: string): number {
  return framingInstalled ? headerBytes(clientId) : 0;
}

/** An Encoder over `buf[0, end)` whose first `room` bytes the framing fills, without a copy. */
export function framedPayload(buf: Buffer, room: number, end: number): Encoder {
  const encoder = new EncoderClass(0) as FramedEncoder;
  encoder.buf = buf;
  encoder.offset = end;
  if (framingInstalled) encoder[FRAMED] = room;
  return encoder;
}

/** Size, api key, version, correlation id and the client id string: kafkajs's request header. */
function headerBytes(clientId: string): number {
  return 4 + 2 + 2 + 4 + 2 + Buffer.byteLength(clientId);
}

function installFraming(): boolean {
  const file = require.resolve('kafkajs/src/protocol/request.js');
  if (require.cache[file]) return false;
  const frame = async ({
    correlationId,
    clientId,
    request: { apiKey, apiVersion, encode },
  }: {
    correlationId: number;
    clientId: string;
    request: { apiKey: number; apiVersion: number; encode(): Promise<Encoder> };
  }) => {
    const payload = await encode();
    const room = (payload as Partial<FramedEncoder>)[FRAMED];
    if (room !== undefined) {
      if (room !== headerBytes(clientId))
        throw new Error('kafkajs framing: request header room does not match the client id');
      const buf = payload.buf;
      let pos = buf.writeInt32BE(payload.offset - 4, 0);
      pos = buf.writeInt16BE(apiKey, pos);
      pos = buf.writeInt16BE(apiVersion, pos);
      pos = buf.writeInt32BE(correlationId, pos);
      const len = Buffer.byteLength(clientId);
      pos = buf.writeInt16BE(len, pos);
      buf.write(clientId, pos, len, 'utf8');
      return payload;
    }
    const requestPayload = new EncoderClass()
      .writeInt16(apiKey)
      .writeInt16(apiVersion)
      .writeInt32(correlationId)
      .writeString(clientId)
      .writeEncoder(payload);
    return new EncoderClass().writeInt32(requestPayload.size()).writeEncoder(requestPayload);
  };
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = frame;
  require.cache[file] = m;
  return true;
}
