// Write errors and the retry decision: a pure function of what the server answered, so the
// spool decides from `retriable` alone (Vector's retry.rs, kafkajs's errors.js).

import { LcsError } from '../../common/errors.ts';

export class WriteError extends LcsError {
  readonly status: number | undefined;
  constructor(message: string, opts: { status?: number; retriable: boolean; cause?: unknown }) {
    super(
      opts.status === undefined ? 'LCS_METRICS_WRITE_NETWORK' : `LCS_METRICS_WRITE_HTTP_${opts.status}`,
      message,
      opts,
    );
    this.status = opts.status;
  }
}

/**
 * Whether a batch that got `status` should be sent again. 5xx, 408, 425 and 429 are the
 * server's trouble. 401, 403 and 404 (a missing database or bucket) are configuration the
 * operator will fix: the points wait rather than being thrown away. Any other 4xx — a bad
 * line, a field type conflict, a partial write — would fail again the same way: dropped,
 * and counted.
 */
export function isRetriableStatus(status: number): boolean {
  return status >= 500 || [401, 403, 404, 408, 425, 429].includes(status);
}

/** Sends one batch of lines; throws WriteError. */
export interface LineWriter {
  readonly description: string;
  write(lines: string[]): Promise<void>;
  /** Checks that the server answers at all (start-up and /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
