// One error base for LCS. Retry logic decides from `code` and `retriable` only, never from
// message text (the kafkajs / undici pattern). Causes are wrapped with `{ cause }`.

export class LcsError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, opts: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = opts.retriable ?? false;
  }
}

/** A setting or a config value failed validation; `key` names what is wrong. */
export class ConfigError extends LcsError {
  readonly key: string;
  constructor(key: string, problem: string, opts: { cause?: unknown } = {}) {
    super('LCS_CONFIG_INVALID', `${key}: ${problem}`, opts);
    this.key = key;
  }
}

/** A function that returns a readable string for any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
