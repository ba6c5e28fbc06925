// The operator's errors. A lost compare-and-swap or a 409 from the API server is retriable:
// the world moved on, and the next reconcile starts from the newer observation.

import { LcsError } from '../common/errors.ts';

export class OperatorError extends LcsError {}

export const conflict = (what: string, cause?: unknown): OperatorError =>
  new OperatorError('LCS_OPERATOR_CONFLICT', `${what} changed since it was read; will reconcile again`, {
    retriable: true,
    cause,
  });

export function kubeError(what: string, err: unknown): OperatorError {
  const code = (err as { code?: unknown })?.code;
  if (code === 409) return conflict(what, err);
  const retriable = typeof code !== 'number' || code >= 500 || code === 429;
  return new OperatorError(
    'LCS_OPERATOR_KUBE',
    `${what} failed${typeof code === 'number' ? ` (HTTP ${code})` : ''}`,
    { retriable, cause: err },
  );
}
