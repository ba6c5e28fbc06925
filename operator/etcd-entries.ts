// Applies the reconciler's etcd writes as transactions guarded by the key's mod revision,
// so a hand edit or another writer between read and write is never overwritten blindly:
// the transaction fails, and the key is reconciled again from what etcd now holds.

import type { Etcd3 } from 'etcd3';
import type { EtcdWrite } from './reconcile.ts';
import { conflict, OperatorError } from './errors.ts';

export interface EntryWriter {
  /** Applies one write; resolves with the etcd revision it created. */
  apply(w: EtcdWrite): Promise<number>;
}

export function etcdEntryWriter(etcd: Etcd3): EntryWriter {
  return {
    async apply(w) {
      let res;
      try {
        // A missing key has mod revision 0, so expectModRevision 0 means "create only".
        const txn = etcd.if(w.key, 'Mod', '==', w.expectModRevision);
        res = await (
          w.op === 'put' ? txn.then(etcd.put(w.key).value(w.value)) : txn.then(etcd.delete().key(w.key))
        ).commit();
      } catch (err) {
        throw new OperatorError('LCS_OPERATOR_ETCD', `etcd ${w.op} of ${w.key} failed`, {
          retriable: true,
          cause: err,
        });
      }
      if (!res.succeeded) throw conflict(`etcd key ${w.key} (expected mod revision ${w.expectModRevision})`);
      return Number(res.header.revision);
    },
  };
}
