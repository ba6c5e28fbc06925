// Checkpoints: per (collection, file identity), the offset up to which Kafka acknowledged
// every event. One JSON file, replaced atomically (write temp, fsync, rename, fsync dir); the
// previous version is kept, so a torn or corrupt file falls back to it instead of losing all.

import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../common/observe/logger.ts';
import type { FileIdentity } from './identity.ts';

export interface Checkpoint {
  collection: string;
  path: string;
  id: FileIdentity;
  offset: number;
  /** The file's size when last seen: what was unread if it vanishes is size - offset. */
  size?: number;
  updatedAt: number;
  /** The file is gone (deleted or rotated out) and was read to its end. */
  finished?: boolean;
}

export const checkpointKey = (collection: string, id: Pick<FileIdentity, 'dev' | 'ino'>): string =>
  `${collection}|${id.dev}:${id.ino}`;

interface FileFormat {
  version: 1;
  checkpoints: Checkpoint[];
}

export class CheckpointStore {
  private readonly file: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly byKey = new Map<string, Checkpoint>();
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  /** The write queued behind the current one, not started yet: later flushes join it. */
  private queued: Promise<void> | undefined;

  constructor(dir: string, logger: Logger, now: () => number = Date.now) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'checkpoints.json');
    this.logger = logger;
    this.now = now;
    this.load();
  }

  private load(): void {
    for (const candidate of [this.file, `${this.file}.prev`]) {
      let text: string;
      try {
        text = readFileSync(candidate, 'utf8');
      } catch {
        continue;
      }
      try {
        const data = JSON.parse(text) as FileFormat;
        if (data.version !== 1 || !Array.isArray(data.checkpoints)) throw new Error('unknown format');
        for (const c of data.checkpoints) this.byKey.set(checkpointKey(c.collection, c.id), c);
        if (candidate !== this.file)
          this.logger.warn('checkpoint file was unreadable; used the previous version', { file: this.file });
        return;
      } catch (err) {
        this.logger.error('checkpoint file is corrupt; trying the previous version', {
          file: candidate,
          error: (err as Error).message,
        });
      }
    }
  }

  get(collection: string, dev: number, ino: number): Checkpoint | undefined {
    return this.byKey.get(checkpointKey(collection, { dev, ino }));
  }

  all(): Checkpoint[] {
    return [...this.byKey.values()];
  }

  set(c: Omit<Checkpoint, 'updatedAt'>): void {
    this.byKey.set(checkpointKey(c.collection, c.id), { ...c, updatedAt: this.now() });
    this.dirty = true;
  }

  delete(collection: string, dev: number, ino: number): void {
    if (this.byKey.delete(checkpointKey(collection, { dev, ino }))) this.dirty = true;
  }

  /**
   * Resolves once everything set before the call is on disk (or the write failed and was
   * logged; the next flush retries it). Group commit: callers that arrive while a write is
   * under way share the one write queued after it, whose body is rendered when it starts, so
   * lanes acknowledged together cost one fsync, not one each.
   */
  flush(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.dirty) return this.writing;
    const queued = this.writing.then(async () => {
      this.queued = undefined;
      if (!this.dirty) return;
      this.dirty = false;
      const body = JSON.stringify({ version: 1, checkpoints: this.all() } satisfies FileFormat);
      await this.write(body).catch((err) => {
        this.dirty = true;
        this.logger.error('checkpoint write failed; will retry', {
          file: this.file,
          error: (err as Error).message,
        });
      });
    });
    this.queued = queued;
    this.writing = queued;
    return queued;
  }

  private async write(body: string): Promise<void> {
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // Two renames, no copy: a crash between them leaves no checkpoints.json, and load() then
    // reads .prev, the version just before — complete either way.
    await rename(this.file, `${this.file}.prev`).catch(() => {});
    await rename(tmp, this.file);
    const dir = await open(join(this.file, '..'), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
