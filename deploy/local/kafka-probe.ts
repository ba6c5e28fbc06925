// A Kafka health check without a client library: one Metadata request (v4, the oldest
// version Kafka 4 still accepts) over a raw socket. Healthy means the broker answered
// and lists at least one broker, i.e. it has registered with the KRaft controller.
import net from 'node:net';

const METADATA = 3;
const VERSION = 4;
const CORRELATION_ID = 0x1c5;

export function encodeMetadataRequest(clientId: string): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + client.length + 4 + 1);
  let at = 0;
  at = body.writeInt16BE(METADATA, at);
  at = body.writeInt16BE(VERSION, at);
  at = body.writeInt32BE(CORRELATION_ID, at);
  at = body.writeInt16BE(client.length, at);
  at += client.copy(body, at);
  at = body.writeInt32BE(0, at); // no topics: we only want the broker list
  body.writeInt8(0, at); // allow_auto_topic_creation = false
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Number of brokers in a complete Metadata v4 response frame, or undefined if it is not one. */
export function brokerCount(frame: Buffer): number | undefined {
  // size(4) correlation_id(4) throttle_time_ms(4) brokers.length(4)
  if (frame.length < 16 || frame.readInt32BE(0) !== frame.length - 4) return undefined;
  if (frame.readInt32BE(4) !== CORRELATION_ID) return undefined;
  return frame.readInt32BE(12);
}

/** Healthy when the broker answers and lists at least `minBrokers` brokers (a cluster: all of them). */
export function kafkaMetadataProbe(
  host: string,
  port: number,
  timeoutMs = 3_000,
  minBrokers = 1,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () => socket.write(encodeMetadataRequest('lcs-health')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < received.readInt32BE(0) + 4) return;
      done((brokerCount(received.subarray(0, received.readInt32BE(0) + 4)) ?? 0) >= minBrokers);
    });
  });
}
