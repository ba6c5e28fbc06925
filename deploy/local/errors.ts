// One error type for the local stack, with a stable code so callers (tests, CI scripts)
// can tell "you need to do something" from "try again".
export type ServiceErrorCode =
  | 'bad-config' // an LCS_* variable is malformed
  | 'install-failed' // apt or maven could not provide the software
  | 'port-busy' // something we did not start listens on our port
  | 'start-failed' // the process exited before it became healthy
  | 'unhealthy' // the process runs but never became healthy in time
  | 'stop-failed'; // the process or its port would not go away

export class ServiceError extends Error {
  readonly code: ServiceErrorCode;
  readonly retriable: boolean;

  constructor(code: ServiceErrorCode, message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServiceError';
    this.code = code;
    this.retriable = options?.retriable ?? code === 'unhealthy';
  }
}
