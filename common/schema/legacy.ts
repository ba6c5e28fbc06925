// The original project's config: `/collect_log_conf` = JSON array of {"path","topic"}.
// Each element becomes an ad-hoc entry named legacy/<i>, read from the beginning of the file
// like the original (which tailed from the end only because it had no checkpoints; we have
// them, so a restart does not resend).

import type { CollectEntry } from './collect-entry.ts';
import { parseCollectEntry } from './collect-entry.ts';
import type { Issue } from './dsl.ts';

export interface LegacyItem {
  index: number;
  entry?: CollectEntry;
  issues?: Issue[];
}

export function decodeLegacyConfig(raw: string): { items: LegacyItem[]; issues?: Issue[] } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { items: [], issues: [{ path: '(value)', message: `not valid JSON: ${(err as Error).message}` }] };
  }
  if (!Array.isArray(json))
    return { items: [], issues: [{ path: '(value)', message: 'must be a JSON array of {"path","topic"}' }] };
  return {
    items: json.map((el, index): LegacyItem => {
      if (typeof el !== 'object' || el === null || Array.isArray(el))
        return { index, issues: [{ path: `[${index}]`, message: 'must be an object {"path","topic"}' }] };
      const o = el as Record<string, unknown>;
      const unknown = Object.keys(o).filter((k) => k !== 'path' && k !== 'topic');
      if (unknown.length)
        return {
          index,
          issues: unknown.map((k) => ({
            path: `[${index}].${k}`,
            message: 'unknown field (allowed: path, topic)',
          })),
        };
      const parsed = parseCollectEntry({
        source: { files: { paths: [o.path] } },
        topic: o.topic,
        startAt: 'beginning',
      });
      if (parsed.ok) return { index, entry: parsed.value };
      return {
        index,
        issues: parsed.issues.map((i) => ({
          path: `[${index}].${i.path.replace('source.files.paths[0]', 'path')}`,
          message: i.message,
        })),
      };
    }),
  };
}
