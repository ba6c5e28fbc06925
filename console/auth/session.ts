// Browser sessions without server state, so console replicas need nothing shared but the key:
// the cookie is `<user>.<expiry>.<nonce>.<HMAC>`, signed with the session key; the CSRF token is
// an HMAC of the cookie, so a page can send it back (header x-lcs-csrf) but another site, which
// cannot read the cookie or the page, cannot forge it.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'lcs_session';
export const CSRF_HEADER = 'x-lcs-csrf';

export class Sessions {
  private readonly key: Buffer;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(key: Buffer, ttlMs = 12 * 3600_000, now: () => number = Date.now) {
    if (key.length < 16) throw new Error('the session key must be at least 16 bytes');
    this.key = key;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  private mac(s: string, purpose: string): string {
    return createHmac('sha256', this.key).update(purpose).update('\0').update(s).digest('base64url');
  }

  issue(user: string): { cookie: string; csrf: string; maxAgeSec: number } {
    const body = `${Buffer.from(user).toString('base64url')}.${this.now() + this.ttlMs}.${randomBytes(12).toString('base64url')}`;
    const cookie = `${body}.${this.mac(body, 'session')}`;
    return { cookie, csrf: this.csrfFor(cookie), maxAgeSec: Math.floor(this.ttlMs / 1000) };
  }

  /** The user of a valid, unexpired cookie. */
  verify(cookie: string | undefined): string | undefined {
    if (!cookie) return undefined;
    const parts = cookie.split('.');
    if (parts.length !== 4) return undefined;
    const body = parts.slice(0, 3).join('.');
    if (!equal(parts[3]!, this.mac(body, 'session'))) return undefined;
    if (!(Number(parts[1]) > this.now())) return undefined;
    return Buffer.from(parts[0]!, 'base64url').toString('utf8');
  }

  csrfFor(cookie: string): string {
    return this.mac(cookie, 'csrf');
  }

  csrfValid(cookie: string, token: string | undefined): boolean {
    return token !== undefined && equal(token, this.csrfFor(cookie));
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Cookies of a request header, by name. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}
