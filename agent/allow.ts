// The agent reads only below its allowed roots, judged after resolving symlinks, so a link
// under /var/log pointing at /etc/shadow is refused (docs/design.md "Security model").

import { realpath } from 'node:fs/promises';
import { isAbsolute, normalize, sep } from 'node:path';

export const under = (path: string, root: string): boolean => {
  const r = root.endsWith(sep) ? root : root + sep;
  return path === root || path.startsWith(r);
};

/** The part of a glob before its first wildcard segment. */
export function globBase(glob: string): string {
  const parts = normalize(glob).split(sep);
  const out: string[] = [];
  for (const p of parts) {
    if (/[*?[\]{}]/.test(p)) break;
    out.push(p);
  }
  return out.join(sep) || sep;
}

/** Lexical check of a configured path or glob: its base must lie under a root. */
export function globAllowed(glob: string, roots: string[]): string | undefined {
  if (!isAbsolute(glob)) return `${glob} is not an absolute path`;
  if (glob.split(sep).includes('..')) return `${glob} contains ".."`;
  const base = globBase(glob);
  if (roots.some((r) => under(base, normalize(r)))) return undefined;
  return `${glob} is outside the allowed roots (${roots.join(', ')}); set LCS_ALLOWED_ROOTS / --agent-allowed-roots to allow it`;
}

/** Resolves symlinks and checks the real file lies under a (real) root. */
export async function realFileAllowed(
  path: string,
  roots: string[],
): Promise<{ ok: true; real: string } | { ok: false; reason: string }> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    return { ok: false, reason: `cannot resolve ${path}: ${(err as Error).message}` };
  }
  for (const r of roots) {
    const rr = await realpath(r).catch(() => normalize(r));
    if (under(real, rr)) return { ok: true, real };
  }
  return {
    ok: false,
    reason: `${path} resolves to ${real}, outside the allowed roots (${roots.join(', ')})`,
  };
}
