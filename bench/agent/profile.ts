// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file, so the
// hot spots of a run can be printed as JSON next to its figures.

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  topFunctions: { fn: string; selfMs: number; pct: number }[];
  byArea: { area: string; selfMs: number; pct: number }[];
}

/** Groups a script URL into an area: a repo file, a package, node internals, GC, idle. */
function area(url: string, fn: string, root: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return `npm:${pkg[1]}`;
  if (path.startsWith('node:')) return path;
  if (path.startsWith(root)) return relative(root, path);
  return path;
}

export function summarise(file: string, root: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') continue;
    total += us;
    const a = area(cf.url, cf.functionName, root);
    const where = cf.url.includes('node_modules/')
      ? cf.url.slice(cf.url.lastIndexOf('node_modules/') + 13)
      : a;
    const name = `${cf.functionName || '(anonymous)'} ${where}${cf.url ? ':' + (cf.lineNumber + 1) : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const rows = (m: Map<string, number>, label: 'fn' | 'area') =>
    [...m]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([k, us]) => ({
        [label]: k,
        selfMs: Math.round(us / 1000),
        pct: Math.round((1000 * us) / total) / 10,
      }));
  return {
    totalMs: Math.round(total / 1000),
    topFunctions: rows(fns, 'fn') as ProfileSummary['topFunctions'],
    byArea: rows(areas, 'area') as ProfileSummary['byArea'],
  };
}
