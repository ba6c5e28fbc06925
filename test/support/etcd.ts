// etcd helpers for tests: a client on the test etcd and a clean keyspace.

import { Etcd3 } from 'etcd3';

export const etcdEndpoint = (): string => process.env.LCS_ETCD_ENDPOINTS ?? 'http://127.0.0.1:2379';

/** A client on the test etcd; LCS_ETCD_ENDPOINTS may name every member of a cluster, comma-separated. */
export function testEtcd(endpoint = etcdEndpoint()): Etcd3 {
  return new Etcd3({ hosts: endpoint.split(',') });
}

/** Deletes every LCS key, so a test starts from an empty keyspace. */
export async function resetKeys(etcd: Etcd3): Promise<void> {
  await etcd.delete().prefix('/lcs/');
  await etcd.delete().key('/collect_log_conf');
}

/** Compacts etcd history up to its current revision (a watch from an older revision fails). */
export async function compact(etcd: Etcd3): Promise<number> {
  const res = await etcd.kv.range({ key: Buffer.from('/'), limit: '1' });
  const rev = res.header.revision;
  await etcd.kv.compact({ revision: rev, physical: true });
  return Number(rev);
}
