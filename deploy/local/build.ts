// Compiles the runtime code (cmd, common, agent, transfer, operator, ...) to JavaScript in
// .lcs/build with tsconfig.build.json. Type stripping costs each process ~18 MB of memory at
// start-up and again whenever it loads a module; `lcs` runs this build instead when it is
// up to date (cmd/lcs/lcs), and bench/agent measures the agent this way, as production runs
// it. Usage: sh deploy/local/run.sh deploy/local/build.ts [--if-stale]

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './layout.ts';

export const BUILD_DIR = path.join(REPO_ROOT, '.lcs', 'build');
/** Written after a successful compile; the launcher compares source times with it. */
export const BUILD_STAMP = path.join(BUILD_DIR, '.stamp');
export const BUILT_MAIN = path.join(BUILD_DIR, 'cmd', 'lcs', 'main.js');
const SOURCE_DIRS = ['cmd', 'common', 'agent', 'transfer', 'metrics', 'operator', 'console'];
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestSource(root: string): number {
  let newest = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|html|css)$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) walk(path.join(root, d));
  for (const f of INPUTS) newest = Math.max(newest, fs.statSync(path.join(root, f)).mtimeMs);
  return newest;
}

/** True when the build's stamp is at least as new as every runtime .ts file and build input. */
export function buildIsFresh(root: string = REPO_ROOT): boolean {
  try {
    return fs.statSync(path.join(root, '.lcs', 'build', '.stamp')).mtimeMs >= newestSource(root);
  } catch {
    return false;
  }
}

/**
 * The console's web UI is served from its TypeScript sources (types stripped per request,
 * console/ui-assets.ts), next to the compiled server: copied as they are, tests left out.
 */
export function copyConsoleUi(root: string = REPO_ROOT, buildDir: string = BUILD_DIR): string[] {
  const from = path.join(root, 'console', 'ui');
  const to = path.join(buildDir, 'console', 'ui');
  fs.mkdirSync(to, { recursive: true });
  const copied: string[] = [];
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (!e.isFile() || e.name.endsWith('.test.ts') || e.name === 'tsconfig.json' || e.name.endsWith('.md'))
      continue;
    fs.copyFileSync(path.join(from, e.name), path.join(to, e.name));
    copied.push(e.name);
  }
  return copied.sort();
}

/** Compiles unless the build is fresh; returns the compiled CLI entry point. */
export function ensureBuild(log: (line: string) => void = () => {}): string {
  if (buildIsFresh()) return BUILT_MAIN;
  log('compiling the runtime code to .lcs/build (tsc -p tsconfig.build.json)…');
  const started = Date.now();
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  try {
    execFileSync(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? String(err);
    throw new Error(`compiling failed; fix these errors (npm run typecheck shows the same):\n${out}`);
  }
  copyConsoleUi();
  fs.writeFileSync(BUILD_STAMP, new Date().toISOString() + '\n');
  log(`compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return BUILT_MAIN;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  const say = (l: string): void => void process.stderr.write(`[build] ${l}\n`);
  try {
    if (!ifStale) fs.rmSync(BUILD_STAMP, { force: true });
    ensureBuild(say);
    say(`up to date: ${path.relative(REPO_ROOT, BUILT_MAIN)}`);
  } catch (err) {
    say((err as Error).message);
    process.exit(1);
  }
}
