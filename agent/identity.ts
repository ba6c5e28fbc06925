// File identity (docs/design.md): device + inode + a fingerprint of the first bytes, plus a
// truncation generation. It survives rename rotation (same inode, same first bytes), tells a
// reused inode from the old file (other first bytes), and changes on truncation.

import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

export const FINGERPRINT_BYTES = 1024;

export interface FileIdentity {
  dev: number;
  ino: number;
  /** How many leading bytes the fingerprint covers (fixed when first seen). */
  fpLen: number;
  fp: string;
  /** Bumped each time the file is seen truncated (copytruncate). */
  gen: number;
}

export const identityString = (id: FileIdentity): string =>
  `${id.dev.toString(36)}-${id.ino.toString(36)}-${id.fp}${id.gen ? `-t${id.gen}` : ''}`;

export const fingerprintOf = (bytes: Buffer): string =>
  createHash('sha256').update(bytes).digest('hex').slice(0, 16);

export async function readPrefix(fh: FileHandle, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** Computes an identity for an open, non-empty file. */
export async function identify(
  fh: FileHandle,
  dev: number,
  ino: number,
  size: number,
  gen = 0,
): Promise<FileIdentity> {
  const prefix = await readPrefix(fh, Math.min(size, FINGERPRINT_BYTES));
  return { dev, ino, fpLen: prefix.length, fp: fingerprintOf(prefix), gen };
}

/** Whether an open file is still the file a stored identity describes. */
export async function matches(
  fh: FileHandle,
  dev: number,
  ino: number,
  size: number,
  id: FileIdentity,
): Promise<boolean> {
  if (id.dev !== dev || id.ino !== ino || size < id.fpLen) return false;
  return fingerprintOf(await readPrefix(fh, id.fpLen)) === id.fp;
}
