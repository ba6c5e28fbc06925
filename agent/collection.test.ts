import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../common/observe/logger.ts';
import { parseCollectEntry, type CollectEntry } from '../common/schema/collect-entry.ts';
import { FakeClock } from '../common/time/fake-clock.ts';
import { CheckpointStore } from './checkpoints.ts';
import { CollectionRunner, type FileWatcher, type WatchFiles } from './collection.ts';
import { PollScheduler } from './poll-scheduler.ts';
import { ReadPool } from './read-pool.ts';
import type { KafkaSink } from './sink.ts';

// The collection runner on a FakeClock, with real files and a file watcher whose events the
// test sends (chokidar's would arrive whenever inotify delivers them). The rescan, the watched
// poll ceiling and the limits are the runner's own logic; reading is the tailer's (tailer.test.ts).

const root = mkdtempSync(join(tmpdir(), 'lcs-collection-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

class FakeWatcher extends EventEmitter implements FileWatcher {
  watched: string[];
  closed = false;
  constructor(paths: string[]) {
    super();
    this.watched = [...paths];
  }
  add(paths: string[]): void {
    this.watched.push(...paths);
  }
  unwatch(paths: string[]): void {
    this.watched = this.watched.filter((p) => !paths.includes(p));
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function entryOf(value: unknown): CollectEntry {
  const r = parseCollectEntry(value);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

interface HarnessOptions {
  files?: Record<string, string>;
  paths?: string[];
  startAt?: 'end' | 'beginning';
  maxFiles?: number;
  roots?: string[];
  dir?: string;
  checkpoints?: CheckpointStore;
}

function harness(o: HarnessOptions = {}) {
  const dir = o.dir ?? join(root, `c${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(o.files ?? {})) writeFileSync(join(dir, name), content);
  const clock = new FakeClock(1_700_000_000_000);
  const scheduler = new PollScheduler(clock, 50);
  const messages: string[] = [];
  const sink = {
    full: false,
    waitForRoom: () => Promise.resolve(),
    push(_topic: string, _key: string, value: string) {
      messages.push((JSON.parse(value) as { message: string }).message);
    },
  } as unknown as KafkaSink;
  const loss: { bytes: number; reason: string; path: string }[] = [];
  const watchers: FakeWatcher[] = [];
  const watch: WatchFiles = (paths) => {
    const w = new FakeWatcher(paths);
    watchers.push(w);
    return w;
  };
  const checkpoints =
    o.checkpoints ?? new CheckpointStore(join(dir, '.state'), silentLogger, () => clock.now());
  const runner = new CollectionRunner({
    name: 'c',
    entry: entryOf({
      source: { files: { paths: o.paths ?? [join(dir, '*.log')] } },
      topic: 't',
      ...(o.startAt ? { startAt: o.startAt } : {}),
    }),
    roots: o.roots ?? [root],
    logger: silentLogger,
    rescanMs: 5000,
    maxFiles: o.maxFiles ?? 100,
    watch,
    tailer: {
      node: 'n',
      sink,
      checkpoints,
      maxLineBytes: 65536,
      maxRecordBytes: 1 << 20,
      readPool: new ReadPool(4096, 1),
      pollMs: 250,
      pollMaxMs: 10_000,
      pollWatchedMaxMs: 60_000,
      drainIdleMs: 5000,
      clock,
      scheduler,
      onLoss: (bytes, reason, path) => loss.push({ bytes, reason, path }),
    },
  });
  /** Discovery done, and every tailer waiting on the scheduler again (real I/O, no time). */
  const busy = () => {
    const tailers = [...runner.tailers.values()];
    const live = tailers.filter((t) => t.state === 'reading' || t.state === 'draining').length;
    return tailers.some((t) => t.state === 'opening') || scheduler.pending < live;
  };
  /**
   * Discovery done and every tailer waiting on the scheduler again (real I/O, no time passes);
   * twice in a row, since a tailer's rotation queues more discovery.
   */
  const settle = async () => {
    for (let i = 0; i < 10_000; i++) {
      const queued = runner.settled();
      await queued;
      await new Promise((r) => setImmediate(r));
      if (!busy() && runner.settled() === queued) return;
    }
    throw new Error('the collection never settled');
  };
  const followed = () =>
    [...runner.tailers.values()]
      .filter((t) => t.state === 'reading')
      .map((t) => t.opts.path.slice(dir.length + 1))
      .sort();
  return { dir, clock, scheduler, runner, messages, loss, watchers, checkpoints, settle, followed };
}

test('files there at the start are followed from startAt; a file the watcher reports later, from its beginning', async () => {
  const h = harness({ files: { 'a.log': 'old\n', 'skip.txt': 'x\n' } });
  await h.runner.start();
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log'], 'the glob names only *.log');
  assert.deepEqual(h.messages, [], "startAt defaults to 'end': what was there is not read");
  assert.equal(h.watchers.length, 1);
  assert.deepEqual(h.watchers[0]!.watched, [h.dir], "the glob's folder is watched");
  writeFileSync(join(h.dir, 'b.log'), 'new-1\nnew-2\n');
  h.watchers[0]!.emit('add', join(h.dir, 'b.log'));
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log', 'b.log']);
  assert.deepEqual(h.messages, ['new-1', 'new-2'], 'a new file is read from its beginning');
  await h.runner.stop();
});

test('a file the watcher missed is found by the rescan, every agent.rescan until the watcher is up', async () => {
  const h = harness({ files: { 'a.log': 'a\n' }, startAt: 'beginning' });
  await h.runner.start();
  await h.settle();
  assert.deepEqual(h.messages, ['a']);
  writeFileSync(join(h.dir, 'b.log'), 'b\n');
  await h.clock.advance(4999);
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log'], 'not before agent.rescan');
  await h.clock.advance(1);
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log', 'b.log'], 'the rescan at 5 s found it');
  assert.deepEqual(h.messages, ['a', 'b']);
  writeFileSync(join(h.dir, 'c.log'), 'c\n');
  await h.clock.advance(5000);
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log', 'b.log', 'c.log'], 'and again 5 s later');
  await h.runner.stop();
});

test('while the watcher is up the rescan runs at agent.pollWatchedMax; after a watcher error at agent.rescan again', async () => {
  const h = harness({ files: { 'a.log': 'a\n' } });
  await h.runner.start();
  await h.settle();
  const w = h.watchers[0]!;
  const tailer = [...h.runner.tailers.values()][0]!;
  assert.equal(h.runner.fileEvents, false, 'not before the first scan is done');
  assert.equal(tailer.opts.watched?.(), false);
  w.emit('ready');
  assert.equal(h.runner.fileEvents, true);
  assert.equal(tailer.opts.watched?.(), true, 'the tailers see it: their idle ceiling is the watched one');
  await h.clock.advance(5000); // the rescan armed before 'ready' still fires at 5 s
  await h.settle();
  writeFileSync(join(h.dir, 'b.log'), 'b\n');
  await h.clock.advance(59_999);
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log'], 'no rescan for 60 s while file events work');
  await h.clock.advance(1);
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log', 'b.log'], 'the safety-net rescan at 60 s');
  w.emit('error', Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
  assert.equal(h.runner.fileEvents, false);
  assert.equal(tailer.opts.watched?.(), false, 'the tailers fall back to agent.pollMax');
  w.emit('ready');
  assert.equal(h.runner.fileEvents, false, 'a watcher that failed once is not trusted again');
  await h.clock.advance(60_000); // the 60 s rescan armed while watched
  await h.settle();
  writeFileSync(join(h.dir, 'c.log'), 'c\n');
  await h.clock.advance(5000);
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log', 'b.log', 'c.log'], 'rescans every 5 s again');
  await h.runner.stop();
});

test('a rotation reported by the watcher: the old file is drained and closed, the new one read from 0', async () => {
  const h = harness({ files: { 'app.log': 'one\n' }, startAt: 'beginning' });
  await h.runner.start();
  await h.settle();
  const w = h.watchers[0]!;
  const path = join(h.dir, 'app.log');
  appendFileSync(path, 'two\n');
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'three\n');
  w.emit('change', path);
  await h.settle();
  assert.deepEqual(h.messages, ['one', 'two', 'three'], 'the old file to its end, then the new file');
  const states = [...h.runner.tailers.values()].map((t) => t.state).sort();
  assert.deepEqual(states, ['draining', 'reading']);
  await h.clock.advance(10_000);
  await h.settle();
  h.runner.reap();
  assert.equal(h.runner.tailers.size, 1, 'the drained tailer finished after agent.drainIdle and was reaped');
  assert.deepEqual(h.followed(), ['app.log']);
  await h.runner.stop();
});

test('a collection follows at most agent.maxFilesPerCollection files, and says so', async () => {
  const h = harness({ files: { 'a.log': '', 'b.log': '', 'c.log': '' }, maxFiles: 2 });
  await h.runner.start();
  await h.settle();
  assert.deepEqual(h.followed(), ['a.log', 'b.log']);
  assert.match(h.runner.errors.get(join(h.dir, 'c.log')) ?? '', /agent\.maxFilesPerCollection/);
  await h.runner.stop();
});

test('a glob outside the allowed roots is refused with the reason, and nothing is watched for it', async () => {
  const h = harness({ paths: ['/etc/*.conf'] });
  await h.runner.start();
  await h.settle();
  assert.match(h.runner.errors.get('/etc/*.conf') ?? '', /^refused: /);
  assert.equal(h.watchers.length, 0);
  assert.equal(h.clock.pending, 0, 'no rescan timer either');
  await h.runner.stop();
});

test('files rotated while the agent was stopped: one still in its folder is resumed, one gone is counted as lost', async () => {
  const first = harness({ files: { 'kept.log': 'k1\n', 'gone.log': 'g1\ng2\n' }, startAt: 'beginning' });
  await first.runner.start();
  await first.settle();
  assert.deepEqual(first.messages.sort(), ['g1', 'g2', 'k1']);
  await first.runner.stop();
  // Nothing was acknowledged (the sink here acknowledges nothing): both checkpoints are at 0.
  renameSync(join(first.dir, 'kept.log'), join(first.dir, 'kept.log.1'));
  unlinkSync(join(first.dir, 'gone.log'));
  const h = harness({ dir: first.dir, checkpoints: first.checkpoints });
  await h.runner.start();
  await h.settle();
  assert.deepEqual(h.messages, ['k1'], 'the rotated file is read again from its checkpoint');
  assert.deepEqual(
    [...h.runner.tailers.values()].map((t) => [t.opts.path, t.state]),
    [[join(first.dir, 'kept.log.1'), 'draining']],
  );
  assert.deepEqual(h.loss, [
    { bytes: 6, reason: 'rotated-away-while-stopped', path: join(first.dir, 'gone.log') },
  ]);
  await h.runner.stop();
});

test('stop closes the watcher, cancels the rescan and every tailer wait; safe twice', async () => {
  const h = harness({ files: { 'a.log': 'a\n', 'b.log': 'b\n' } });
  await h.runner.start();
  await h.settle();
  assert.ok(h.clock.pending > 0);
  await h.runner.stop();
  assert.equal(h.watchers[0]!.closed, true);
  assert.equal(h.clock.pending, 0, 'no timer left: the rescan and the scheduler are idle');
  assert.equal(h.scheduler.pending, 0);
  appendFileSync(join(h.dir, 'a.log'), 'after stop\n');
  writeFileSync(join(h.dir, 'c.log'), 'c\n');
  h.watchers[0]!.emit('change', join(h.dir, 'a.log'));
  h.watchers[0]!.emit('add', join(h.dir, 'c.log'));
  await h.clock.advance(120_000);
  await h.runner.settled();
  assert.deepEqual(h.messages, [], 'nothing is read after stop, neither on an event nor on time');
  assert.equal(h.runner.tailers.size, 2, 'and no file is taken up');
  await h.runner.stop();
});
