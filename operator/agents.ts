// What the agents report about one collection, folded from their status records
// (AgentStatus, common/status/agent.ts) into the numbers a LogCollection's status shows. Pure.

import type { AgentStatus } from '../common/status/agent.ts';

/** The part of an agent's status record the operator reads. */
export type AgentRecord = Pick<AgentStatus, 'node' | 'collections' | 'rejected'>;

export interface AgentSummary {
  agents: number;
  agentsUpToDate: number;
  agentsWithErrors: number;
  eventsPerSec: number;
  lastError?: string;
}

/**
 * Rounds a rate to two significant digits: the status shows how busy a collection is, and
 * writing every small fluctuation would turn each agent report into a status write.
 */
export function roundRate(r: number): number {
  if (!(r > 0)) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(r)) - 1);
  return Number((Math.round(r / p) * p).toPrecision(2));
}

export function summarize(
  name: string,
  modRevision: number | undefined,
  records: readonly AgentRecord[],
): AgentSummary {
  let agents = 0;
  let upToDate = 0;
  let withErrors = 0;
  let rate = 0;
  let lastError: string | undefined;
  // Sorted by node, so "last error" does not flap between agents with the same problem.
  for (const rec of [...records].sort((a, b) => a.node.localeCompare(b.node))) {
    const c = rec.collections[name];
    const rejected = rec.rejected[name];
    if (!c && rejected === undefined) continue;
    const errors = [...(rejected === undefined ? [] : [rejected]), ...(c?.errors ?? [])];
    if (c) {
      agents++;
      if (modRevision !== undefined && c.modRevision === modRevision) upToDate++;
      rate += c.eventsPerSec;
    }
    if (errors.length) {
      withErrors++;
      lastError = `${rec.node}: ${errors[errors.length - 1]}`;
    }
  }
  return {
    agents,
    agentsUpToDate: upToDate,
    agentsWithErrors: withErrors,
    eventsPerSec: roundRate(rate),
    ...(lastError ? { lastError } : {}),
  };
}
