// Password hashes for the console's users file: scrypt (node:crypto), with the cost in the hash
// so it can be raised later: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`. Tokens for
// automation are stored as their SHA-256 (a token is random and long, so a fast hash is enough).

import {
  createHash,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, o: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, o, (err, key) => (err ? reject(err) : resolve(key))),
  );

const DEFAULT = { N: 16384, r: 8, p: 1 };
const KEYLEN = 32;

export async function hashPassword(password: string, cost = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { ...cost, maxmem: 256 * cost.N * cost.r });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** The problem with a stored hash's format, or undefined when it can be verified. */
export function passwordHashProblem(stored: string): string | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt')
    return 'must be scrypt$N$r$p$salt$hash (made by `lcs console-hash-password`)';
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (!Number.isInteger(n) || n! < 2 || (n! & (n! - 1)) !== 0) return 'N must be a power of 2';
  if (!Number.isInteger(r) || r! < 1 || !Number.isInteger(p) || p! < 1)
    return 'r and p must be positive integers';
  if (Buffer.from(parts[5]!, 'base64').length < 16) return 'the hash is too short';
  return undefined;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (passwordHashProblem(stored)) return false;
  const [, n, r, p, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash!, 'base64');
  const N = Number(n);
  const R = Number(r);
  const key = await scrypt(password, Buffer.from(salt!, 'base64'), expected.length, {
    N,
    r: R,
    p: Number(p),
    maxmem: 256 * N * R,
  });
  return timingSafeEqual(key, expected);
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Compares a presented token with a stored SHA-256 in constant time. */
export function tokenMatches(token: string, storedSha256: string): boolean {
  const a = Buffer.from(sha256Hex(token), 'hex');
  const b = Buffer.from(storedSha256.toLowerCase(), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
