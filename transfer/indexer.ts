// Sends documents to Elasticsearch until every one is done or dead-lettered. Only the items
// that failed are retried (with jittered backoff); permanent failures go to `<topic>.dlq`
// with the reason before they count as done, so no record is dropped silently. While
// Elasticsearch is down the caller's partition simply waits here: nothing is committed.

import type { Logger } from '../common/observe/logger.ts';
import { LcsError, describeError } from '../common/errors.ts';
import { elasticsearchProblem, statusProblem, type EsCredentials } from '../common/elasticsearch/explain.ts';
import { Backoff, type BackoffOptions } from '../common/time/backoff.ts';
import { sleep, systemClock, type Clock } from '../common/time/clock.ts';
import { bulkBody, classifyRequestFailure, interpretBulk, type BulkDoc } from './bulk.ts';

/** Retry delays for Elasticsearch and the dead-letter topic: 50 ms up to 10 s, jittered. */
export const RETRY: BackoffOptions = { baseMs: 200, maxMs: 10_000, minMs: 50 };

/** A wait in a retry heartbeats at least this often, so the group keeps the member. */
const HEARTBEAT_MS = 1000;

export interface DeadLetter {
  topic: string;
  key: string;
  value: string;
}

/** The one call the indexer makes; the Elasticsearch client satisfies it, unit tests fake it. */
export interface BulkTransport {
  transport: {
    request(
      params: { method: string; path: string; querystring?: Record<string, string>; bulkBody: string },
      options: { headers: Record<string, string>; maxRetries: number; requestTimeout: number },
    ): Promise<unknown>;
  };
}

export interface IndexerDeps {
  es: BulkTransport;
  logger: Logger;
  deadLetter: (records: DeadLetter[]) => Promise<void>;
  random?: () => number;
  clock?: Clock;
  /** Documents Elasticsearch acknowledged (201/409). */
  onIndexed?: (docs: number) => void;
  /** One bulk request answered, and how long it took. */
  onBulk?: (ms: number) => void;
  onRetry?: (docs: number, reason: string) => void;
  onDead?: (docs: number) => void;
  onAvailability?: (up: boolean, error?: string) => void;
  /** Whom Elasticsearch judges (the settings to name when it refuses). */
  credentials?: EsCredentials;
}

export class AbortedError extends LcsError {
  constructor() {
    super('LCS_TRANSFER_ABORTED', 'batch abandoned (rebalance or shutdown); its offsets are not committed');
  }
}

export interface IndexControl {
  heartbeat: () => Promise<void>;
  aborted: () => boolean;
}

export class Indexer {
  private readonly deps: IndexerDeps;
  private readonly clock: Clock;
  constructor(deps: IndexerDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
  }

  private backoff(): Backoff {
    return new Backoff({ ...RETRY, ...(this.deps.random ? { random: this.deps.random } : {}) });
  }

  /**
   * Returns once every document is in Elasticsearch (201/409) or in the dead-letter topic.
   * Work is a stack of requests: a 413/400 replaces a request by its two halves, failed
   * items come back as a smaller request, so one bad document never holds up the others.
   */
  async index(docs: BulkDoc[], ctl: IndexControl): Promise<void> {
    const now = () => this.clock.now();
    const work: BulkDoc[][] = [docs];
    const backoff = this.backoff();
    while (work.length) {
      if (ctl.aborted()) throw new AbortedError();
      const pending = work.pop()!;
      if (!pending.length) continue;
      let outcomes;
      const started = now();
      try {
        const res = await this.deps.es.transport.request(
          // Only what interpretBulk reads: a 2000-item response shrinks ~10x and parses faster.
          {
            method: 'POST',
            path: '/_bulk',
            querystring: { filter_path: 'errors,items.*.status,items.*.error' },
            bulkBody: bulkBody(pending),
          },
          {
            headers: { 'content-type': 'application/x-ndjson', accept: 'application/json' },
            maxRetries: 0,
            requestTimeout: 60000,
          },
        );
        outcomes = interpretBulk(res as { items?: [] }, pending.length);
        this.deps.onAvailability?.(true);
      } catch (err) {
        const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
        const problem = elasticsearchProblem(err, this.deps.credentials ?? {});
        const why = problem ? `${problem} (${describeError(err)})` : describeError(err);
        const decision = classifyRequestFailure(status, pending.length, why);
        if (decision.kind === 'split') {
          const half = Math.ceil(pending.length / 2);
          this.deps.logger.warn('bulk request rejected as a whole; splitting it', {
            docs: pending.length,
            error: decision.reason,
          });
          work.push(pending.slice(half), pending.slice(0, half));
          continue;
        }
        if (decision.kind === 'dead') {
          await this.sendDead([{ doc: pending[0]!, reason: decision.reason }], ctl);
          continue;
        }
        this.deps.onAvailability?.(false, decision.reason);
        this.deps.onRetry?.(pending.length, decision.reason);
        this.deps.logger.warn('bulk request failed; retrying', {
          docs: pending.length,
          attempt: backoff.attempts,
          error: decision.reason,
        });
        work.push(pending);
        await this.wait(backoff.next(), ctl);
        continue;
      }
      const retry: BulkDoc[] = [];
      const dead: { doc: BulkDoc; reason: string }[] = [];
      let done = 0;
      let refused: string | undefined;
      outcomes.forEach((o, i) => {
        const doc = pending[i]!;
        if (o.kind === 'done') done++;
        else if (o.kind === 'retry') {
          retry.push(doc);
          if (!refused && /^40[13]: /.test(o.reason)) refused = o.reason;
        } else dead.push({ doc, reason: o.reason });
      });
      // Refused items (credentials, a privilege on the index) wait for a fix, and say so.
      if (refused) {
        const problem = statusProblem(Number(refused.slice(0, 3)), refused, this.deps.credentials ?? {});
        this.deps.logger.warn('documents refused by Elasticsearch; retrying', {
          docs: retry.length,
          attempt: backoff.attempts,
          error: problem ? `${problem} (${refused})` : refused,
        });
      }
      this.deps.onBulk?.(now() - started);
      if (dead.length) await this.sendDead(dead, ctl);
      if (done) this.deps.onIndexed?.(done);
      if (retry.length) {
        this.deps.onRetry?.(retry.length, refused ?? 'item rejected with 429/5xx');
        work.push(retry);
        await this.wait(backoff.next(), ctl);
      } else backoff.reset();
    }
  }

  private async sendDead(dead: { doc: BulkDoc; reason: string }[], ctl: IndexControl): Promise<void> {
    const records = dead.map(({ doc, reason }) => ({
      topic: `${doc.topic}.dlq`,
      key: doc.id,
      value: JSON.stringify({
        reason,
        index: doc.index,
        source: { topic: doc.topic, partition: doc.partition, offset: doc.offset },
        original: doc.raw?.toString('utf8') ?? null,
      }),
    }));
    const retry = this.backoff();
    for (;;) {
      try {
        await this.deps.deadLetter(records);
        this.deps.onDead?.(records.length);
        this.deps.logger.warn('documents dead-lettered', {
          count: records.length,
          topic: records[0]!.topic,
          reason: dead[0]!.reason,
        });
        return;
      } catch (err) {
        this.deps.logger.warn('dead-letter produce failed; retrying', { error: describeError(err) });
        await this.wait(retry.next(), ctl);
      }
    }
  }

  /** Backoff that keeps the group membership alive and gives up at once on a rebalance. */
  private async wait(ms: number, ctl: IndexControl): Promise<void> {
    const until = this.clock.now() + ms;
    while (this.clock.now() < until) {
      if (ctl.aborted()) throw new AbortedError();
      // A failed heartbeat means a rebalance is under way; aborted() reports it next turn.
      await ctl.heartbeat().catch(() => {});
      await sleep(this.clock, Math.min(HEARTBEAT_MS, until - this.clock.now()));
    }
  }
}
