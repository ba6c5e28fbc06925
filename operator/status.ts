// The status a LogCollection should show, and the Kubernetes Events its changes deserve.
// Conditions keep their lastTransitionTime while their status holds (apimachinery
// meta/conditions semantics), so an unchanged world yields an identical status: the
// reconciler compares and skips the write. Pure.

import type { AgentSummary } from './agents.ts';
import type {
  Condition,
  ConditionStatus,
  ConditionType,
  LogCollection,
  LogCollectionStatus,
} from './resource.ts';

export interface Verdict {
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface KubeEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface StatusFacts {
  generation: number;
  key: string;
  topic: string | undefined;
  modRevision: number | undefined;
  accepted: Verdict;
  synced: Verdict;
  agents: AgentSummary;
}

export function readyVerdict(
  accepted: Verdict,
  synced: Verdict,
  modRevision: number | undefined,
  a: AgentSummary,
): Verdict {
  if (accepted.status !== 'True')
    return {
      status: 'False',
      reason: 'NotAccepted',
      message: 'the spec was not accepted; see the Accepted condition',
    };
  if (synced.status !== 'True')
    return {
      status: 'False',
      reason: 'NotSynced',
      message: 'the entry is not in etcd yet; see the Synced condition',
    };
  if (a.agents === 0)
    return {
      status: 'False',
      reason: 'NoAgents',
      message:
        'no agent runs this collection yet; agents report it within seconds of the entry reaching etcd. If this persists, check that spec.nodes matches nodes where the agent DaemonSet runs',
    };
  if (a.agentsWithErrors > 0)
    return {
      status: 'False',
      reason: 'AgentErrors',
      message: `${a.agentsWithErrors} of ${a.agents} agent(s) report errors; last: ${a.lastError ?? 'unknown'}`,
    };
  if (a.agentsUpToDate < a.agents)
    return {
      status: 'False',
      reason: 'Rolling',
      message: `${a.agentsUpToDate} of ${a.agents} agent(s) applied mod revision ${modRevision}`,
    };
  return {
    status: 'True',
    reason: 'Running',
    message: `${a.agents} agent(s) run mod revision ${modRevision}`,
  };
}

function condition(
  type: ConditionType,
  v: Verdict,
  generation: number,
  previous: Condition[] | undefined,
  now: number,
): Condition {
  const prev = previous?.find((c) => c.type === type);
  const lastTransitionTime =
    prev && prev.status === v.status && prev.lastTransitionTime
      ? prev.lastTransitionTime
      : new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    type,
    status: v.status,
    reason: v.reason,
    message: v.message,
    observedGeneration: generation,
    lastTransitionTime,
  };
}

export function buildStatus(
  facts: StatusFacts,
  previous: LogCollection['status'],
  now: number,
): LogCollectionStatus {
  const ready = readyVerdict(facts.accepted, facts.synced, facts.modRevision, facts.agents);
  const prev = previous?.conditions;
  return {
    observedGeneration: facts.generation,
    key: facts.key,
    ...(facts.modRevision === undefined ? {} : { modRevision: facts.modRevision }),
    ...(facts.topic === undefined ? {} : { topic: facts.topic }),
    agents: facts.agents.agents,
    agentsUpToDate: facts.agents.agentsUpToDate,
    agentsWithErrors: facts.agents.agentsWithErrors,
    eventsPerSec: facts.agents.eventsPerSec,
    ...(facts.agents.lastError === undefined ? {} : { lastError: facts.agents.lastError }),
    conditions: [
      condition('Accepted', facts.accepted, facts.generation, prev, now),
      condition('Synced', facts.synced, facts.generation, prev, now),
      condition('Ready', ready, facts.generation, prev, now),
    ],
  };
}

/** Events for what changed between the shown status and the new one (never on no change). */
export function transitionEvents(previous: LogCollection['status'], next: LogCollectionStatus): KubeEvent[] {
  const was = (t: ConditionType) => previous?.conditions?.find((c) => c.type === t);
  const is = (t: ConditionType) => next.conditions.find((c) => c.type === t)!;
  const events: KubeEvent[] = [];
  const acc = is('Accepted');
  const prevAcc = was('Accepted');
  const generationMoved = previous?.observedGeneration !== next.observedGeneration;
  if (acc.status === 'True' && (prevAcc?.status !== 'True' || generationMoved))
    events.push({
      type: 'Normal',
      reason: 'Accepted',
      message: `generation ${next.observedGeneration} accepted`,
    });
  if (
    acc.status === 'False' &&
    (prevAcc?.status !== 'False' || prevAcc.message !== acc.message || generationMoved)
  )
    events.push({ type: 'Warning', reason: 'Rejected', message: acc.message });
  const syn = is('Synced');
  if (
    syn.status === 'True' &&
    (was('Synced')?.status !== 'True' || generationMoved || previous?.modRevision !== next.modRevision)
  )
    events.push({ type: 'Normal', reason: 'Synced', message: syn.message });
  return events;
}

/** Key-order independent JSON, for "did it change" comparisons. */
export function canonicalJson(v: unknown): string {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object' && !(x instanceof Date))
      return Object.fromEntries(
        Object.keys(x)
          .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, walk((x as Record<string, unknown>)[k])]),
      );
    return x;
  };
  return JSON.stringify(walk(v));
}
