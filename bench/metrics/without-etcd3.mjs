// A measurement aid, not product code: `lcs metrics` with etcd3 (grpc-js, protobufjs) and
// cockatiel never loaded, to see what the process would cost with an etcd client over
// etcd's JSON gateway instead. Loaded with --import, it resolves both packages to this
// file, whose Etcd3 writes the status record under a lease through `fetch` to
// $LCS_BENCH_ETCD_GATEWAY/v3/... (default http://127.0.0.1:2379; no TLS, no auth, no
// pipeline election: run with --metrics-pipeline false, as bench/metrics does).
//
//   sh deploy/local/run.sh bench/metrics/run.ts --peers lcs --samples 120 \
//     "--lcs-node-options=--import=$PWD/bench/metrics/without-etcd3.mjs"
//
// docs/benchmarks.md ("Where the memory goes") has the figures.

import { registerHooks } from 'node:module';

const STUB = '?as-etcd3';

if (!import.meta.url.endsWith(STUB)) {
  const url = new URL(import.meta.url);
  url.search = STUB;
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier === 'etcd3' || specifier === 'cockatiel')
        return { url: url.href, format: 'module', shortCircuit: true };
      return next(specifier, context);
    },
  });
}

const gateway = `${process.env.LCS_BENCH_ETCD_GATEWAY ?? 'http://127.0.0.1:2379'}/v3`;
const b64 = (s) => Buffer.from(s).toString('base64');
const post = async (path, body) => {
  const res = await fetch(gateway + path, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`etcd gateway ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
};

export class Etcd3 {
  lease(ttl) {
    let id;
    const keepAlive = setInterval(
      () => id && post('/lease/keepalive', { ID: id }).catch(() => {}),
      (ttl * 1000) / 3,
    );
    keepAlive.unref();
    const lease = {
      on: () => lease,
      removeAllListeners() {},
      release: () => clearInterval(keepAlive),
      async revoke() {
        clearInterval(keepAlive);
        if (id) await post('/lease/revoke', { ID: id });
      },
      put: (key) => ({
        async value(v) {
          id ??= (await post('/lease/grant', { TTL: ttl })).ID;
          await post('/kv/put', { key: b64(key), value: b64(v), lease: id });
        },
      }),
    };
    return lease;
  }
  close() {}
}

// What common/etcd/client.ts imports from etcd3 and cockatiel besides Etcd3.
export const isRecoverableError = () => false;
export const circuitBreaker = () => ({});
export const handleWhen = () => ({});
export class ConsecutiveBreaker {}
export class ExponentialBackoff {}
