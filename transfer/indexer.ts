// Sends documents to Elasticsearch until every one is done or dead-lettered. Only the items
// that failed are retried (with jittered backoff); permanent failures go to `<topic>.dlq`
// with the reason before they count as done, so no record is dropped silently. While
// Elasticsearch is down the caller's partition simply waits here: nothing is committed.

import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../common/observe/logger.ts';
import { LcsError, describeError } from '../common/errors.ts';
import { backoffMs, bulkBody, interpretBulk, type BulkDoc } from './bulk.ts';

export interface DeadLetter {
  topic: string;
  key: string;
  value: string;
}

export interface IndexerDeps {
  es: Client;
  logger: Logger;
  deadLetter: (records: DeadLetter[]) => Promise<void>;
  random?: () => number;
  onIndexed?: (docs: number, ms: number) => void;
  onRetry?: (docs: number, reason: string) => void;
  onDead?: (docs: number) => void;
  onAvailability?: (up: boolean, error?: string) => void;
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
  constructor(deps: IndexerDeps) {
    this.deps = deps;
  }

  async index(docs: BulkDoc[], ctl: IndexControl): Promise<void> {
    const random = this.deps.random ?? Math.random;
    let pending = docs;
    let attempt = 0;
    while (pending.length) {
      if (ctl.aborted()) throw new AbortedError();
      let outcomes;
      const started = Date.now();
      try {
        const res = await this.deps.es.transport.request(
          { method: 'POST', path: '/_bulk', bulkBody: bulkBody(pending) },
          {
            headers: { 'content-type': 'application/x-ndjson', accept: 'application/json' },
            maxRetries: 0,
            requestTimeout: 60000,
          },
        );
        outcomes = interpretBulk(res as { items?: [] }, pending.length);
        this.deps.onAvailability?.(true);
      } catch (err) {
        const reason = describeError(err);
        this.deps.onAvailability?.(false, reason);
        this.deps.onRetry?.(pending.length, reason);
        this.deps.logger.warn('bulk request failed; retrying', {
          docs: pending.length,
          attempt,
          error: reason,
        });
        await this.wait(backoffMs(attempt++, random), ctl);
        continue;
      }
      const retry: BulkDoc[] = [];
      const dead: { doc: BulkDoc; reason: string }[] = [];
      let done = 0;
      outcomes.forEach((o, i) => {
        const doc = pending[i]!;
        if (o.kind === 'done') done++;
        else if (o.kind === 'retry') retry.push(doc);
        else dead.push({ doc, reason: o.reason });
      });
      if (dead.length) await this.sendDead(dead, ctl);
      this.deps.onIndexed?.(done, Date.now() - started);
      if (retry.length) {
        this.deps.onRetry?.(retry.length, 'item rejected with 429/5xx');
        await this.wait(backoffMs(attempt++, random), ctl);
      } else attempt = 0;
      pending = retry;
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
    for (let attempt = 0; ; attempt++) {
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
        await this.wait(backoffMs(attempt, this.deps.random ?? Math.random), ctl);
      }
    }
  }

  private async wait(ms: number, ctl: IndexControl): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (ctl.aborted()) throw new AbortedError();
      await ctl.heartbeat().catch(() => {});
      await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
    }
  }
}
