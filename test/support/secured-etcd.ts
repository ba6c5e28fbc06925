// A one-member etcd with issue 14's secured mode, for tests: clients speak TLS (the server
// certificate from the test PKI, test/support/tls.ts), authentication is on, and each user
// given has one role of its own, `lcs-<user>`, allowed only the keys and prefixes listed (the
// agent its collect entries and its status prefix, and so on: common/keyspace.ts). `root` is
// the only other user. Users and roles are created before auth is enabled (etcd lets anyone
// do anything until then), so no password ever travels to a process but the test's. The peer
// port stays plain: one member on loopback talks to no other. Debian's etcd, as
// deploy/local/etcd.ts runs it; its own port and data directory.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3, Range } from 'etcd3';
import { ETCD_BINARY } from '../../deploy/local/etcd.ts';
import type { TestPki } from './tls.ts';
import { waitFor } from './wait.ts';

/** What a role may do: a key, or every key under a prefix. */
export type EtcdGrant =
  | { permission: 'Read' | 'Write' | 'Readwrite'; prefix: string }
  | { permission: 'Read' | 'Write' | 'Readwrite'; key: string };

export interface SecuredEtcdOptions {
  /** Data and log: `<dir>/{data,etcd.log}`. */
  dir: string;
  /** The client port; the peer port is the next one. */
  port: number;
  pki: TestPki;
  /** Users (name → password and what their role `lcs-<name>` allows), besides `root`. */
  users: Record<string, { password: string; grants: EtcdGrant[] }>;
}

export interface SecuredEtcd {
  endpoint: string;
  logFile: string;
  /** A client as `root` (sees and may do everything). */
  root: Etcd3;
  /** A client as `user`, trusting the test CA. */
  clientFor(user: string, password: string): Etcd3;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const ROOT_PASSWORD = 'root-secret-1';

export async function startSecuredEtcd(o: SecuredEtcdOptions): Promise<SecuredEtcd> {
  const endpoint = `https://${HOST}:${o.port}`;
  const peer = `http://${HOST}:${o.port + 1}`;
  mkdirSync(o.dir, { recursive: true });
  const logFile = join(o.dir, 'etcd.log');
  const out = openSync(logFile, 'a');
  const proc: ChildProcess = spawn(
    ETCD_BINARY,
    [
      '--name=sec',
      `--data-dir=${join(o.dir, 'data')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=sec=${peer}`,
      '--initial-cluster-state=new',
      `--cert-file=${o.pki.serverCert}`,
      `--key-file=${o.pki.serverKey}`,
    ],
    { stdio: ['ignore', out, out] },
  );
  let exited = false;
  proc.once('exit', () => (exited = true));
  const credentials = { rootCertificate: readFileSync(o.pki.ca) };
  const clientFor = (user: string, password: string) =>
    new Etcd3({ hosts: endpoint, credentials, auth: { username: user, password } });
  const admin = new Etcd3({ hosts: endpoint, credentials });
  try {
    await waitFor(
      `the secured etcd on ${endpoint} (log: ${logFile})`,
      async () => {
        if (exited) throw new Error(`the secured etcd exited during start-up; see ${logFile}`);
        try {
          await admin.get('/probe').string();
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    await admin.user('root').create(ROOT_PASSWORD);
    await admin.user('root').addRole('root');
    for (const [user, u] of Object.entries(o.users)) {
      const role = `lcs-${user}`;
      await admin.role(role).create();
      await admin
        .role(role)
        .grant(
          u.grants.map((g) =>
            'prefix' in g
              ? { permission: g.permission, range: Range.prefix(g.prefix) }
              : { permission: g.permission, key: g.key },
          ),
        );
      await admin.user(user).create(u.password);
      await admin.user(user).addRole(role);
    }
    await admin.auth.authEnable({});
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  } finally {
    admin.close();
  }
  const root = clientFor('root', ROOT_PASSWORD);
  return {
    endpoint,
    logFile,
    root,
    clientFor,
    async stop() {
      root.close();
      if (exited) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
    },
  };
}
