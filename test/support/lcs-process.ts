// Runs `lcs <component>` as a real child process (the same CLI users run), with its output
// in a log file, so tests can kill -9 it, restart it and read what it said.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface LcsProcess {
  proc: ChildProcess;
  logFile: string;
  logs(): string;
  /** SIGTERM and wait for exit (graceful shutdown). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (a crash). */
  kill9(): Promise<void>;
  /** The base URL of its /healthz /readyz /metrics server, once it has logged it. */
  httpUrl(): Promise<string>;
}

export function startLcs(
  component: string,
  args: string[],
  opts: { env?: Record<string, string>; logDir: string; name?: string },
): LcsProcess {
  const logFile = join(opts.logDir, `${opts.name ?? component}-${Date.now()}.log`);
  // Opened before the spawn, so logs() and httpUrl() can read it at once (createWriteStream
  // alone opens the file later, asynchronously).
  const out = createWriteStream('', { fd: openSync(logFile, 'a') });
  const proc = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      '--disable-warning=TimeoutNegativeWarning',
      join(repoRoot, 'cmd/lcs/main.ts'),
      component,
      ...args,
    ],
    {
      env: { ...process.env, LCS_LOG_LEVEL: 'info', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  proc.stdout!.pipe(out, { end: false });
  proc.stderr!.pipe(out, { end: false });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    logFile,
    logs: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return await exited;
    },
    async httpUrl() {
      const deadline = Date.now() + 15000;
      for (;;) {
        const m = /"msg":"serving \/healthz \/readyz \/metrics".*?"url":"([^"]+)"/.exec(
          readFileSync(logFile, 'utf8'),
        );
        if (m) return m[1]!;
        if (Date.now() > deadline)
          throw new Error(`lcs ${component} did not report its HTTP address (log: ${logFile})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
