// What an etcd failure means for the person running LCS, naming the setting to change. The
// client's errors say "authentication failed" or "permission denied", and a TLS failure only
// "No connection established": for that one, the endpoint is dialled again with node:tls to
// find the reason (an untrusted certificate, a name that does not match, nothing listening).

import { connect as tlsConnect } from 'node:tls';
import { connect as tcpConnect } from 'node:net';
import type { Etcd3 } from 'etcd3';

export interface EtcdTarget {
  endpoints: string[];
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

const targets = new WeakMap<Etcd3, EtcdTarget>();

/** Remembers where a client connects, so a failure can be explained (common/etcd/client.ts). */
export function rememberTarget(etcd: Etcd3, t: EtcdTarget): void {
  targets.set(etcd, t);
}

/** The problem an error names by itself, with the setting to change; undefined if it names none. */
export function etcdProblem(err: unknown): string | undefined {
  const m = String((err as Error)?.message ?? err);
  if (/authentication failed|invalid user ID or password/i.test(m))
    return 'etcd refused the user name or password: check etcd.username and etcd.passwordFile (LCS_ETCD_USERNAME, LCS_ETCD_PASSWORD_FILE)';
  if (/user name is empty/i.test(m))
    return 'etcd has authentication on and no user was given: set etcd.username and etcd.passwordFile (LCS_ETCD_USERNAME, LCS_ETCD_PASSWORD_FILE)';
  if (/permission denied/i.test(m))
    return "etcd refused the request for lack of permission: the etcd role of etcd.username must allow this component's keys (docs/design.md, security model)";
  return undefined;
}

function dial(url: string, t: EtcdTarget, timeoutMs: number): Promise<string | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve(`${url} is not a URL: check etcd.endpoints (LCS_ETCD_ENDPOINTS)`);
  }
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 2379));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const tls = u.protocol === 'https:';
    const socket = tls
      ? tlsConnect({
          host,
          port,
          servername: /^[\d.:]+$/.test(host) ? '' : host,
          ...(t.ca ? { ca: t.ca } : {}),
          ...(t.cert ? { cert: t.cert } : {}),
          ...(t.key ? { key: t.key } : {}),
        })
      : tcpConnect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () =>
      done(
        `${url} did not answer within ${timeoutMs} ms: check etcd.endpoints (LCS_ETCD_ENDPOINTS) and that etcd runs there`,
      ),
    );
    socket.once(tls ? 'secureConnect' : 'connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED')
        return done(
          `nothing listens at ${url}: check etcd.endpoints (LCS_ETCD_ENDPOINTS) and that etcd runs there`,
        );
      if (/certificate|self.signed|unable to verify|CERT_|altname/i.test(`${err.code} ${err.message}`))
        return done(
          `etcd's TLS certificate at ${url} is not trusted (${err.message}): check etcd.caFile (LCS_ETCD_CA_FILE)`,
        );
      if (tls && /wrong version number|EPROTO/i.test(`${err.code} ${err.message}`))
        return done(`${url} does not speak TLS: use http:// in etcd.endpoints, or turn TLS on in etcd`);
      done(`${url}: ${err.message}`);
    });
  });
}

/** The problem behind an etcd failure, for logs and status records; undefined when unknown. */
export async function explainEtcdError(
  etcd: Etcd3,
  err: unknown,
  timeoutMs = 3000,
): Promise<string | undefined> {
  const direct = etcdProblem(err);
  if (direct) return direct;
  const t = targets.get(etcd);
  if (
    !t ||
    !/UNAVAILABLE|No connection established|ECONNREFUSED|deadline/i.test(
      String((err as Error)?.message ?? err),
    )
  )
    return undefined;
  const problems = await Promise.all(t.endpoints.map((e) => dial(e, t, timeoutMs)));
  const found = problems.filter((p): p is string => p !== undefined);
  return found.length === t.endpoints.length ? found.join('; ') : undefined;
}
