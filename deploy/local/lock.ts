// A per-service lock file, so two `up`s at once (a test run and a developer, say) do not
// both start a process: the loser waits, then finds the service running.
// The file holds the holder's pid; a lock whose holder has died is taken over.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ServiceError } from './errors.ts';

function holderAlive(file: string): boolean {
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLock<T>(file: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let alive: boolean;
    try {
      alive = holderAlive(file);
    } catch {
      continue; // Released between our attempt and the read.
    }
    if (!alive) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new ServiceError(
        'start-failed',
        `${file} is held by another LCS process; is another services:up running?`,
        {
          retriable: true,
        },
      );
    }
    await delay(200);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
