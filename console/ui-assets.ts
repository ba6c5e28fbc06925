// The console's web UI as the server sends it: the files of console/ui/, where TypeScript is
// turned into JavaScript at request time by stripping its types (Node's stripTypeScriptTypes;
// the UI uses only erasable syntax, so nothing is compiled or bundled and the browser loads the
// same ES modules that are in the repository). Nothing else on disk can be reached through it.

import { readFile, stat } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { extname, join } from 'node:path';

export const UI_DIR = join(import.meta.dirname, 'ui');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A file name the UI may serve: one segment, no dot first, a known type, not a test. */
const NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)*\.(html|css|ts|svg|png)$/;

export interface UiAsset {
  contentType: string;
  body: Buffer | string;
}

const cache = new Map<string, { mtimeMs: number; asset: UiAsset }>();

/**
 * The UI file for a request path: `/` (and `/index.html`) is the page, `/ui/<file>` one of
 * its modules or its style sheet (`.ts` served as `text/javascript`). Undefined for anything
 * else, so the caller answers 404. Stripped modules are cached until the file changes.
 */
export async function uiAsset(urlPath: string, dir = UI_DIR): Promise<UiAsset | undefined> {
  const name = urlPath === '/' || urlPath === '/index.html' ? 'index.html' : uiFileName(urlPath);
  if (name === undefined) return undefined;
  const file = join(dir, name);
  let mtimeMs: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) return undefined;
    mtimeMs = st.mtimeMs;
  } catch {
    return undefined;
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.asset;
  const ext = extname(name);
  const raw = await readFile(file);
  const asset: UiAsset = {
    contentType: TYPES[ext]!,
    body: ext === '.ts' ? toJavaScript(raw.toString('utf8'), name) : raw,
  };
  cache.set(file, { mtimeMs, asset });
  return asset;
}

/** The file name under console/ui/ for `/ui/<name>`, or undefined when it is not one. */
export function uiFileName(urlPath: string): string | undefined {
  if (!urlPath.startsWith('/ui/')) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(urlPath.slice('/ui/'.length));
  } catch {
    return undefined;
  }
  if (!NAME.test(name) || name.endsWith('.test.ts')) return undefined;
  return name;
}

/** A UI module's JavaScript: the same text with its types blanked out (line and column hold). */
export function toJavaScript(source: string, name = 'module.ts'): string {
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } catch (err) {
    throw new Error(`console/ui/${name} uses TypeScript that cannot be stripped: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
