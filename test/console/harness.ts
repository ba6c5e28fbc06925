// Runs `lcs console` in this process, wired by its own command (consoleCommand.build) from
// settings, against the real etcd (and Elasticsearch and Kafka when a test uses them), and
// an HTTP client that keeps the session cookie and the CSRF token like a browser does.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../common/config/settings.ts';
import { createLogger } from '../../common/observe/logger.ts';
import type { Component } from '../../common/component.ts';
import { consoleCommand } from '../../console/main.ts';
import { consoleSettings } from '../../console/settings.ts';
import { hashPassword, sha256Hex } from '../../console/auth/password.ts';

export interface RunningConsole {
  url: string;
  component: Component;
  stop(): Promise<void>;
}

/** A free port: the console logs its URL, but the test needs it before start. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startConsole(
  env: Record<string, string> = {},
  argv: string[] = [],
): Promise<RunningConsole> {
  const port = await freePort();
  const settings = loadSettings(consoleSettings, {
    argv: ['--console-listen', `127.0.0.1:${port}`, ...argv],
    env: {
      ...pick(process.env, ['LCS_ETCD_ENDPOINTS', 'LCS_ELASTICSEARCH_URL', 'LCS_KAFKA_BROKERS']),
      ...env,
    },
  });
  const problems = consoleCommand.validate(settings);
  if (problems.length) throw problems[0];
  const component = await consoleCommand.build(
    settings,
    createLogger({ level: 'warn', base: { component: 'console' } }),
  );
  await component.start();
  return { url: `http://127.0.0.1:${port}`, component, stop: () => component.shutdown() };
}

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => env[k]).map((k) => [k, env[k]!]));
}

export const PASSWORDS = { alice: 'alice-secret-1', victor: 'victor-secret-1', root: 'root-secret-12' };
export const TOKEN = 'tok-' + 'x'.repeat(40);

/** A users file: alice edits ad-hoc entries, victor only views, root is admin; a CI token edits `ci-` entries. */
export async function usersFile(): Promise<{ file: string; dir: string; hashes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'lcs-console-'));
  const hashes = await Promise.all([
    hashPassword(PASSWORDS.alice),
    hashPassword(PASSWORDS.victor),
    hashPassword(PASSWORDS.root),
  ]);
  const yaml = `users:
  - name: alice
    password: ${hashes[0]}
    roles:
      - { prefix: /lcs/v1/collect/adhoc/, role: editor }
      - { prefix: /, role: viewer }
  - name: victor
    password: ${hashes[1]}
    roles:
      - { prefix: /, role: viewer }
  - name: root
    password: ${hashes[2]}
    roles:
      - { prefix: /, role: admin }
tokens:
  - name: ci
    sha256: ${sha256Hex(TOKEN)}
    roles:
      - { prefix: /lcs/v1/collect/adhoc/ci-, role: editor }
`;
  const file = join(dir, 'users.yaml');
  writeFileSync(file, yaml, { mode: 0o600 });
  return { file, dir, hashes };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** A client with a cookie jar and the CSRF token of its session, like the UI. */
export class ApiClient {
  readonly base: string;
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;

  constructor(base: string) {
    this.base = base;
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET' && !('x-lcs-csrf' in headers)) h['x-lcs-csrf'] = this.csrf;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    const res = await fetch(this.base + path, {
      method,
      headers: h,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }

  async login(user: string, password: string): Promise<Answer> {
    const a = await this.call('POST', '/api/login', { user, password });
    if (a.status === 200) this.csrf = String(a.body.csrf);
    return a;
  }
}

export const enc = encodeURIComponent;

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads a server-sent event stream; `until` waits for an event matching a predicate. */
export function sse(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const ac = new AbortController();
  let status = 0;
  let failure: unknown;
  const done = (async () => {
    try {
      const res = await fetch(url, { headers, signal: ac.signal });
      status = res.status;
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data !== undefined) events.push({ event: ev, data: JSON.parse(data) });
        }
      }
    } catch (err) {
      if (!ac.signal.aborted) failure = err;
    }
  })();
  return {
    events,
    get status() {
      return status;
    },
    async until(what: string, pred: (e: SseEvent) => boolean, timeoutMs = 30000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        if (failure) throw failure as Error;
        if (Date.now() > deadline)
          throw new Error(
            `no server-sent event ${what} within ${timeoutMs} ms (got ${events.map((e) => e.event).join(', ') || 'none'})`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      ac.abort();
      await done;
    },
  };
}
