// Namespace isolation (docs/design.md "Security model"): a LogCollection in namespace N may only
// collect pods of N; host files only from namespaces the operator trusts. Pure.

import type { CollectEntry } from '../common/schema/collect-entry.ts';

export interface Policy {
  /** Namespaces whose LogCollections may use a `files` source. */
  trustedNamespaces: readonly string[];
}

export type PolicyVerdict =
  { ok: true } | { ok: false; reason: 'PodsNamespaceNotAllowed' | 'FilesNotAllowed'; message: string };

export function checkPolicy(namespace: string, entry: CollectEntry, policy: Policy): PolicyVerdict {
  const pods = entry.source.pods;
  if (pods && pods.namespace !== namespace) {
    return {
      ok: false,
      reason: 'PodsNamespaceNotAllowed',
      message:
        `spec.source.pods.namespace is "${pods.namespace}", but a LogCollection in namespace "${namespace}" may only collect pods of "${namespace}": ` +
        `set spec.source.pods.namespace to "${namespace}", or create this LogCollection in namespace "${pods.namespace}"`,
    };
  }
  if (entry.source.files && !policy.trustedNamespaces.includes(namespace)) {
    const trusted = policy.trustedNamespaces.length
      ? policy.trustedNamespaces.map((n) => `"${n}"`).join(', ')
      : 'none';
    return {
      ok: false,
      reason: 'FilesNotAllowed',
      message:
        `spec.source.files reads host paths, which only LogCollections in trusted namespaces (${trusted}) may do: ` +
        `use spec.source.pods to collect this namespace's pods, or move the LogCollection to a trusted namespace ` +
        `(a cluster admin can add "${namespace}" to the operator's trusted namespaces)`,
    };
  }
  return { ok: true };
}
