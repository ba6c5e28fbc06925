// Builds the etcd3 client from settings. Secrets come from files, never from etcd values.

import { readFileSync } from 'node:fs';
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import type { SettingValues } from '../config/settings.ts';
import { rememberTarget } from './explain.ts';

export function etcdOptions(s: SettingValues, read: (p: string) => Buffer = readFileSync): IOptions {
  const opts: IOptions = {
    hosts: s['etcd.endpoints'] as string[],
    // Fail calls fast while etcd is away; callers own the retry policy (watch re-lists).
    dialTimeout: 3000,
    // Reconnect within seconds after an etcd restart (the library defaults back off to 30 s).
    faultHandling: {
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: 1000,
          breaker: new ConsecutiveBreaker(3),
        }),
      // etcd3 types this as IBackoff but calls .next() on it first, as cockatiel's factory wants.
      watchBackoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 2000 }) as never,
    },
  };
  if (s['etcd.username']) {
    opts.auth = {
      username: String(s['etcd.username']),
      password: s['etcd.passwordFile'] ? read(String(s['etcd.passwordFile'])).toString('utf8').trim() : '',
    };
  }
  if (s['etcd.caFile'] || s['etcd.certFile']) {
    opts.credentials = {
      rootCertificate: s['etcd.caFile'] ? read(String(s['etcd.caFile'])) : Buffer.alloc(0),
      ...(s['etcd.certFile'] ? { certChain: read(String(s['etcd.certFile'])) } : {}),
      ...(s['etcd.keyFile'] ? { privateKey: read(String(s['etcd.keyFile'])) } : {}),
    };
  }
  return opts;
}

export function createEtcd(s: SettingValues): Etcd3 {
  const opts = etcdOptions(s);
  const etcd = new Etcd3(opts);
  rememberTarget(etcd, {
    endpoints: opts.hosts as string[],
    ...(opts.credentials?.rootCertificate?.length ? { ca: opts.credentials.rootCertificate } : {}),
    ...(opts.credentials?.certChain ? { cert: opts.credentials.certChain } : {}),
    ...(opts.credentials?.privateKey ? { key: opts.credentials.privateKey } : {}),
  });
  return etcd;
}
