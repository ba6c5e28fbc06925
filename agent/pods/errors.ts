// The pods source's errors. A failed list or watch is retriable (the resolver keeps its last
// view of the node's pods and tries again); a 401/403 is not, because it needs an operator
// to fix the credentials or the RBAC rules — the resolver still retries, but says so loudly.

import { LcsError } from '../../common/errors.ts';

export class PodSourceError extends LcsError {}

export function kubeError(what: string, err: unknown): PodSourceError {
  const raw = (err as { code?: unknown; statusCode?: unknown } | undefined) ?? {};
  const code = typeof raw.code === 'number' ? raw.code : raw.statusCode;
  const status = typeof code === 'number' ? code : undefined;
  const retriable = status === undefined || status >= 500 || status === 429 || status === 410;
  return new PodSourceError(
    status === 401 || status === 403 ? 'LCS_AGENT_KUBE_FORBIDDEN' : 'LCS_AGENT_KUBE',
    `${what} failed${status === undefined ? '' : ` (HTTP ${status})`}`,
    { retriable, cause: err },
  );
}
