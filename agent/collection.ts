// Runs one collection on this node: finds the files its globs name (now and as they appear),
// keeps one tailer per file identity (device + inode, so a renamed file is not read twice),
// and refuses files outside the allowed roots.

import { glob, readdir, stat } from 'node:fs/promises';
import { dirname, join, matchesGlob } from 'node:path';
import chokidar, { type ChokidarOptions } from 'chokidar';
import type { Logger } from '../common/observe/logger.ts';
import type { CollectEntry } from '../common/schema/collect-entry.ts';
import { describeError } from '../common/errors.ts';
import type { TimerHandle } from '../common/time/clock.ts';
import { globAllowed, globBase, realFileAllowed } from './allow.ts';
import { Tailer, type TailerOptions } from './tailer.ts';
import type { PodResolver } from './pods/resolver.ts';
import type { PodLogTarget, PodsSource } from './pods/targets.ts';

export type TailerDefaults = Pick<
  TailerOptions,
  | 'node'
  | 'sink'
  | 'checkpoints'
  | 'maxLineBytes'
  | 'maxRecordBytes'
  | 'readPool'
  | 'pollMs'
  | 'pollMaxMs'
  | 'pollWatchedMaxMs'
  | 'drainIdleMs'
  | 'clock'
  | 'scheduler'
  | 'onEvents'
  | 'onLoss'
>;

/** What the runner needs of a file watcher (chokidar's FSWatcher). */
export interface FileWatcher {
  on(event: 'add' | 'change' | 'unlink', fn: (path: string) => void): unknown;
  on(event: 'ready', fn: () => void): unknown;
  on(event: 'error', fn: (err: unknown) => void): unknown;
  add(paths: string[]): unknown;
  unwatch(paths: string[]): unknown;
  close(): Promise<void>;
}

export type WatchFiles = (paths: string[], options: ChokidarOptions) => FileWatcher;

const chokidarWatch: WatchFiles = (paths, options) => chokidar.watch(paths, options) as FileWatcher;

export interface CollectionOptions {
  name: string;
  entry: CollectEntry;
  roots: string[];
  logger: Logger;
  tailer: TailerDefaults;
  rescanMs: number;
  maxFiles: number;
  /** The node's pods, when the agent has a Kubernetes API (pods sources need it). */
  pods?: PodResolver;
  /** Starts the file watcher (default chokidar); unit tests pass one whose events they send. */
  watch?: WatchFiles;
}

export class CollectionRunner {
  readonly opts: CollectionOptions;
  readonly tailers = new Map<string, Tailer>();
  /** Problems with this collection's paths (refused, unreadable), by path. */
  readonly errors = new Map<string, string>();
  private globs: string[] = [];
  /** For pods sources: the Kubernetes metadata of each glob's container. */
  private podMeta = new Map<string, PodLogTarget['kubernetes']>();
  private unsubscribe: (() => void) | undefined;
  /** device:inode of files being opened right now. */
  private readonly opening = new Set<string>();
  private watcher: FileWatcher | undefined;
  /**
   * The watcher finished its first scan and has reported no error since: file events arrive
   * (inotify), so polling is only a safety net. An error (e.g. ENOSPC, out of inotify watches)
   * falls back to polling at agent.pollMax for the rest of the collection's life.
   */
  private watching = false;
  private watchFailed = false;
  private rescanTimer: TimerHandle | undefined;
  private stopped = false;
  private scanning: Promise<void> = Promise.resolve();

  constructor(opts: CollectionOptions) {
    this.opts = opts;
  }

  /** File events work for this collection (its watcher is up): polling is a safety net. */
  get fileEvents(): boolean {
    return this.watching;
  }

  async start(): Promise<void> {
    const { entry, roots } = this.opts;
    if (entry.source.pods) return this.startPods(entry.source.pods);
    const globs: string[] = [];
    for (const g of entry.source.files!.paths) {
      const problem = globAllowed(g, roots);
      if (problem) {
        this.errors.set(g, `refused: ${problem}`);
        this.opts.logger.warn('path refused', { collection: this.opts.name, path: g, reason: problem });
      } else globs.push(g);
    }
    if (!globs.length) return;
    await this.resumeRotated();
    await this.setGlobs(globs, true);
  }

  /** A pods source: the globs follow the node's pods (PodResolver), level-based. */
  private async startPods(source: PodsSource): Promise<void> {
    const resolver = this.opts.pods;
    if (!resolver) {
      this.errors.set(
        '(source)',
        'pods sources need the Kubernetes API: run in-cluster or set agent.kubeconfig (LCS_KUBECONFIG)',
      );
      return;
    }
    await this.resumeRotated();
    let initial = true;
    this.unsubscribe = resolver.subscribe(source, (targets) => {
      const first = initial;
      initial = false;
      this.enqueue(async () => {
        this.podMeta = new Map(targets.map((t) => [t.glob, t.kubernetes]));
        const globs: string[] = [];
        for (const t of targets) {
          const problem = globAllowed(t.glob, this.opts.roots);
          if (problem)
            this.errors.set(t.glob, `refused: ${problem} (agent.podLogRoot must lie under an allowed root)`);
          else globs.push(t.glob);
        }
        await this.setGlobs(globs, first);
      });
    });
    await this.scanning;
  }

  /**
   * Follows these globs from now on: watches their folders, stops tailers of files no glob
   * names any more (their offsets stay checkpointed), and starts tailers for new files —
   * from `startAt` at the collection's start, from the beginning after that.
   */
  private async setGlobs(globs: string[], initial: boolean): Promise<void> {
    if (this.stopped) return;
    const before = new Set(this.globs);
    this.globs = globs;
    for (const [k, t] of this.tailers) {
      if (!this.matches(t.opts.path) && t.state !== 'draining') {
        this.tailers.delete(k);
        await t.stop();
      }
    }
    const bases = [...new Set(globs.map(globBase))];
    const oldBases = new Set([...before].map(globBase));
    const depth = globs.some((g) => g.includes('**'))
      ? 32
      : Math.max(0, ...globs.map((g) => g.split('/').length - globBase(g).split('/').length - 1));
    if (!this.watcher) {
      this.watcher = (this.opts.watch ?? chokidarWatch)(bases, {
        ignoreInitial: true,
        persistent: true,
        followSymlinks: false,
        depth,
      });
      this.watcher.on('add', (p) => this.enqueue(() => this.consider(p, false)));
      this.watcher.on('change', (p) => this.pokePath(p));
      this.watcher.on('unlink', (p) => this.pokePath(p));
      this.watcher.on('ready', () => (this.watching = !this.watchFailed));
      this.watcher.on('error', (err) => {
        if (!this.watchFailed)
          this.opts.logger.warn('file watcher error; polling every agent.pollMax from now on', {
            collection: this.opts.name,
            error: describeError(err),
          });
        this.watchFailed = true;
        this.watching = false;
      });
      const { clock } = this.opts.tailer;
      // Node's glob lstat's every entry: 1,000 files rescanned every 5 s were 200 lstats a
      // second. While the watcher reports new files itself the rescan is a safety net and
      // runs at the watched poll ceiling.
      const every = () =>
        this.watching
          ? Math.max(this.opts.rescanMs, this.opts.tailer.pollWatchedMaxMs ?? 0)
          : this.opts.rescanMs;
      const tick = () => {
        if (this.stopped) return;
        this.enqueue(() => this.scan(false));
        this.rescanTimer = clock.setTimeout(tick, every());
      };
      this.rescanTimer = clock.setTimeout(tick, every());
    } else {
      const added = bases.filter((b) => !oldBases.has(b));
      const removed = [...oldBases].filter((b) => !bases.includes(b));
      if (added.length) this.watcher.add(added);
      if (removed.length) this.watcher.unwatch(removed);
    }
    await this.scan(
      initial,
      globs.filter((g) => !before.has(g)),
    );
  }

  /**
   * Files this collection was reading when the agent stopped may have been rotated away since.
   * A rotated file still in its folder (same device and inode, same first bytes) is read to its
   * end; one that is gone is counted in the loss ledger with the bytes it had unread.
   */
  private async resumeRotated(): Promise<void> {
    const cps = this.opts.tailer.checkpoints;
    for (const cp of cps.all()) {
      if (cp.collection !== this.opts.name) continue;
      const now = await stat(cp.path).catch(() => undefined);
      if (now && now.dev === cp.id.dev && now.ino === cp.id.ino) continue; // still there: scan handles it
      if (cp.finished) {
        cps.delete(cp.collection, cp.id.dev, cp.id.ino);
        continue;
      }
      const moved = await this.findByInode(dirname(cp.path), cp.id.dev, cp.id.ino);
      if (moved) {
        this.opts.logger.info('resuming a file rotated while the agent was stopped', {
          collection: this.opts.name,
          was: cp.path,
          now: moved,
        });
        await this.startTailer(moved, 'beginning', true);
      } else {
        const lost = Math.max(0, (cp.size ?? cp.offset) - cp.offset);
        if (lost > 0) this.opts.tailer.onLoss?.(lost, 'rotated-away-while-stopped', cp.path);
        cps.delete(cp.collection, cp.id.dev, cp.id.ino);
      }
    }
  }

  private kubernetesFor(path: string): { kubernetes?: PodLogTarget['kubernetes'] } {
    for (const [g, k] of this.podMeta) if (matchesGlob(path, g)) return { kubernetes: k };
    return {};
  }

  private async findByInode(dir: string, dev: number, ino: number): Promise<string | undefined> {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names) {
      const p = join(dir, n);
      const st = await stat(p).catch(() => undefined);
      if (st?.isFile() && st.dev === dev && st.ino === ino) return p;
    }
    return undefined;
  }

  private enqueue(fn: () => Promise<void>): void {
    this.scanning = this.scanning
      .then(fn)
      .catch((err) =>
        this.opts.logger.error('scan failed', { collection: this.opts.name, error: describeError(err) }),
      );
  }

  private matches(path: string): boolean {
    if (!this.globs.some((g) => g === path || matchesGlob(path, g))) return false;
    return !(this.opts.entry.source.files?.exclude ?? []).some((g) => matchesGlob(path, g));
  }

  private async scan(initial: boolean, only?: string[]): Promise<void> {
    // A path a tailer is reading needs no stat: that tailer notices a rotation itself (and
    // calls onRotated). On a node with 1,000 quiet files that was 1,000 stats per rescan.
    const followed = new Set<string>();
    for (const t of this.tailers.values()) if (t.state === 'reading') followed.add(t.opts.path);
    for (const g of only ?? this.globs) {
      for await (const p of glob(g)) if (!followed.has(p)) await this.consider(p, initial);
    }
    // Tailers are not woken here: each checks its file at least every agent.pollMax, and
    // resetting every tailer's backoff on every rescan kept 1,000 idle files polling ~5 times
    // per rescan interval (most of an idle agent's CPU).
  }

  private pokePath(path: string): void {
    let followed = false;
    for (const t of this.tailers.values()) {
      if (t.opts.path !== path) continue;
      t.poke();
      if (t.state === 'reading') followed = true;
    }
    // A tailer reading this path notices a rotation itself (and calls onRotated), so a file
    // event costs a stat only for a path nobody follows yet: not once per write.
    if (!followed) this.enqueue(() => this.consider(path, false));
  }

  private async consider(path: string, initial: boolean): Promise<void> {
    if (this.stopped || !this.matches(path)) return;
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) return;
    const key = `${st.dev}:${st.ino}`;
    const existing = this.tailers.get(key);
    if (existing && existing.state !== 'finished' && existing.state !== 'failed') return;
    // Discovery runs from the initial scan, the file watcher, the rescan and rotation at once;
    // the claim is taken before the first await so two of them never open the same file.
    if (this.opening.has(key)) return;
    if (!existing && this.tailers.size >= this.opts.maxFiles) {
      this.errors.set(
        path,
        `not tailed: the collection already follows ${this.opts.maxFiles} files (agent.maxFilesPerCollection)`,
      );
      return;
    }
    this.opening.add(key);
    try {
      await this.startTailer(path, initial ? (this.opts.entry.startAt ?? 'end') : 'beginning', false);
    } finally {
      this.opening.delete(key);
    }
  }

  private async startTailer(path: string, startAt: 'end' | 'beginning', drainOnly: boolean): Promise<void> {
    const allowed = await realFileAllowed(path, this.opts.roots);
    if (!allowed.ok) {
      if (!this.errors.has(path))
        this.opts.logger.warn('file refused', { collection: this.opts.name, path, reason: allowed.reason });
      this.errors.set(path, `refused: ${allowed.reason}`);
      return;
    }
    const { entry } = this.opts;
    const tailer = new Tailer({
      ...this.opts.tailer,
      path,
      collection: this.opts.name,
      topic: entry.topic,
      ...(entry.fields ? { fields: entry.fields } : {}),
      ...this.kubernetesFor(path),
      startAt,
      drainOnly,
      ...(entry.parse ? { parse: entry.parse } : {}),
      logger: this.opts.logger.child({ collection: this.opts.name, path }),
      watched: () => this.watching,
      // Do not wait for the file watcher or the rescan: a file created and rotated away
      // before either noticed it would never be read.
      onRotated: (p) => this.enqueue(() => this.consider(p, false)),
    });
    try {
      await tailer.open();
    } catch (err) {
      this.errors.set(path, `cannot open: ${describeError(err)}`);
      this.opts.logger.warn('cannot open file', {
        collection: this.opts.name,
        path,
        error: describeError(err),
      });
      return;
    }
    if (this.stopped) return void (await tailer.stop());
    this.errors.delete(path);
    this.tailers.set(`${tailer.dev}:${tailer.ino}`, tailer);
    this.opts.logger.info('following file', {
      collection: this.opts.name,
      path,
      fileId: tailer.fileId,
      offset: tailer.readPos,
      startAt,
    });
    tailer.start();
  }

  /** Stops discovery and every tailer; offsets stay in the checkpoint store. Safe twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.rescanTimer !== undefined) this.opts.tailer.clock.clearTimeout(this.rescanTimer);
    await this.watcher?.close();
    await this.scanning;
    await Promise.all([...this.tailers.values()].map((t) => t.stop()));
  }

  /** Resolves once the discovery queued so far (scans, watcher events, rotations) is done. */
  settled(): Promise<void> {
    return this.scanning;
  }

  /** Drops finished tailers from the map (their checkpoints stay). */
  reap(): void {
    for (const [k, t] of this.tailers) if (t.state === 'finished') this.tailers.delete(k);
  }
}
