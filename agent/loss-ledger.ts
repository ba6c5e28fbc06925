// The loss ledger: bytes of files that were rotated away, deleted or truncated before the
// agent could read them, per collection and file. No other shipper reports this; users see
// it in the status and in lcs_agent_loss_bytes_total instead of discovering gaps in Kibana.

import type { LossRecord } from '../common/status/agent.ts';

export class LossLedger {
  private readonly recent: LossRecord[] = [];
  private readonly totals = new Map<string, number>();
  private readonly keep: number;

  constructor(keep = 50) {
    this.keep = keep;
  }

  add(r: LossRecord): void {
    this.recent.push(r);
    if (this.recent.length > this.keep) this.recent.shift();
    this.totals.set(r.collection, (this.totals.get(r.collection) ?? 0) + r.bytes);
  }

  total(collection: string): number {
    return this.totals.get(collection) ?? 0;
  }

  list(): LossRecord[] {
    return [...this.recent];
  }
}
