// Pure: which kubelet log files a `pods` source means, given the pods on this node.
//
// The kubelet writes a container's output to
//   <logRoot>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log
// and rotates it to `<n>.log.<timestamp>` (compressed later); the `*.log` glob names the live
// files, and a tailer that already holds a rotated file reads it to its end.
//
// Which pods are collected (the decision, also in README.md):
// - Running: yes, every container of the spec (init and regular; a container that has not
//   started yet simply has no file, and its file is found when it appears).
// - Pending or Unknown: only once one of its containers has started (running now, or
//   terminated now or before) — before that there is nothing to read.
// - Succeeded or Failed: yes, for a grace period, so the lines written just before the end are
//   read; then the pod is left out even though the object may stay around for days.
// - Deleted: kept for the same grace period, for the same reason (the tailer keeps reading its
//   open handle after the kubelet removed the file).
// The grace runs from when this agent first saw the pod terminal or deleted, on its own clock:
// the pod's `finishedAt` comes from another clock at second resolution, and an agent that
// restarts gives every finished pod another grace period instead of skipping lines it missed
// (checkpoints make re-reading free).
// Ephemeral (debug) containers are not collected. Mirror pods (static pods) live in a
// directory named after the static pod's UID, which the mirror object carries in the
// `kubernetes.io/config.mirror` annotation, not in `metadata.uid`.

import { posix } from 'node:path';
import type { Infer } from '../../common/schema/dsl.ts';
import type { podsSourceSchema } from '../../common/schema/collect-entry.ts';
import { selectorMatches } from '../plan.ts';

export type PodsSource = Infer<typeof podsSourceSchema>;

export interface PodLogTarget {
  /** Absolute glob of the container's live log files. */
  glob: string;
  kubernetes: { namespace: string; pod: string; container: string; labels: Record<string, string> };
}

/** What the resolver needs of a Pod; client-node's V1Pod type (used as a type only) fits. */
export interface PodObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: { containers: { name: string }[]; initContainers?: { name: string }[] };
  status?: {
    phase?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}
interface ContainerStatus {
  state?: { running?: object; terminated?: object };
  lastState?: { terminated?: object };
}

export interface PodView {
  namespace: string;
  name: string;
  /** metadata.uid: identifies the object. */
  uid: string;
  /** The UID in the kubelet's directory name (differs from `uid` for mirror pods). */
  dirUid: string;
  labels: Record<string, string>;
  phase: string;
  /** Init containers, then regular ones, in spec order. */
  containers: string[];
  /** Some container is running or has run, so some log file may exist. */
  started: boolean;
}

/** A pod as the resolver remembers it: its last view and when it ended, on the agent's clock. */
export interface PodRecord {
  view: PodView;
  terminalSince?: number;
  deletedAt?: number;
}

const MIRROR = 'kubernetes.io/config.mirror';

export const isTerminal = (phase: string): boolean => phase === 'Succeeded' || phase === 'Failed';

export function podView(pod: PodObject): PodView | undefined {
  const m = pod.metadata;
  if (!m?.name || !m.namespace || !m.uid || !pod.spec) return undefined;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return {
    namespace: m.namespace,
    name: m.name,
    uid: m.uid,
    dirUid: m.annotations?.[MIRROR] || m.uid,
    labels: { ...(m.labels ?? {}) },
    phase: pod.status?.phase ?? 'Pending',
    containers: [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name),
    started: statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated),
  };
}

/** When the pod stopped producing lines (terminal or deleted, whichever came first). */
export function endedAt(r: PodRecord): number | undefined {
  const ends = [r.terminalSince, r.deletedAt].filter((t): t is number => t !== undefined);
  return ends.length ? Math.min(...ends) : undefined;
}

/** Whether this pod's files are collected at `now`. */
export function collectable(r: PodRecord, now: number, graceMs: number): boolean {
  const { phase, started } = r.view;
  if (!(phase === 'Running' || isTerminal(phase) || started)) return false;
  const end = endedAt(r);
  return end === undefined || now < end + graceMs;
}

/** The next instant after `now` at which some pod's grace period ends, if any. */
export function nextExpiry(records: Iterable<PodRecord>, now: number, graceMs: number): number | undefined {
  let next: number | undefined;
  for (const r of records) {
    const end = endedAt(r);
    if (end === undefined || !collectable(r, now, graceMs)) continue;
    if (next === undefined || end + graceMs < next) next = end + graceMs;
  }
  return next;
}

export function containerGlob(logRoot: string, v: PodView, container: string): string {
  return posix.join(logRoot, `${v.namespace}_${v.name}_${v.dirUid}`, container, '*.log');
}

/** The targets of one source, sorted by glob so equal lists compare equal. */
export function targetsFor(
  records: Iterable<PodRecord>,
  source: PodsSource,
  opts: { logRoot: string; now: number; graceMs: number },
): PodLogTarget[] {
  // An empty `containers` list is treated like an absent one: every container.
  const only = source.containers?.length ? new Set(source.containers) : undefined;
  const out: PodLogTarget[] = [];
  for (const r of records) {
    const v = r.view;
    if (v.namespace !== source.namespace) continue;
    if (!selectorMatches(source.selector, v.labels)) continue;
    if (!collectable(r, opts.now, opts.graceMs)) continue;
    for (const container of v.containers) {
      if (only && !only.has(container)) continue;
      out.push({
        glob: containerGlob(opts.logRoot, v, container),
        kubernetes: { namespace: v.namespace, pod: v.name, container, labels: { ...v.labels } },
      });
    }
  }
  return out.sort((a, b) => (a.glob < b.glob ? -1 : a.glob > b.glob ? 1 : 0));
}

/** Reads namespace, pod, UID and container back from a kubelet log file path. */
export function parsePodLogPath(
  logRoot: string,
  path: string,
): { namespace: string; pod: string; uid: string; container: string } | undefined {
  const rel = posix.relative(logRoot, path);
  const parts = rel.split('/');
  if (rel.startsWith('..') || parts.length !== 3) return undefined;
  // Namespaces and pod names cannot contain '_', so the split is unambiguous.
  const m = /^([^_]+)_([^_]+)_([^_]+)$/.exec(parts[0]!);
  if (!m) return undefined;
  return { namespace: m[1]!, pod: m[2]!, uid: m[3]!, container: parts[1]! };
}
