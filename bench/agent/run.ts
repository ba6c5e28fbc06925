// bench/agent: the LCS agent against rsyslog (imfile → omkafka) on the same pre-written files,
// into the same local Kafka with acks=all, until every line is acknowledged. Prints one JSON
// document per scenario and a summary; progress goes to stderr. Not a test: nothing asserts.
//
//   sh deploy/local/run.sh bench/agent/run.ts [--scenarios one,many,idle] [--lines 1000000]
//      [--files 100] [--lines-per-file 10000] [--line-bytes 200] [--peers lcs,rsyslog]
//      [--idle-files 1000] [--quiet-seconds 60]
//      [--agent-args "--agent-batch-bytes 1048576"]
//      [--profile] [--no-verify] [--keep] [--agent-node-options "--max-semi-space-size=16"]

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import { Kafka, logLevel } from 'kafkajs';
import { up } from '../../deploy/local/services.ts';
import { writeCorpus, type Corpus } from './corpus.ts';
import { adhocEntryKey, collectEntry, repoRoot, startAgent } from './lcs-agent.ts';
import { ensureBuild } from '../../deploy/local/build.ts';
import { commands } from '../../cmd/lcs/commands.ts';
import { measure, round, type MeasureOptions, type RunFigures } from './measure.ts';
import { summarise, type ProfileSummary } from './profile.ts';
import { ensureRsyslog, startRsyslog } from './rsyslog.ts';
import { measureIdle, type IdleFigures } from './idle.ts';
import { verifyTopic, type Verified } from './verify.ts';

const agentNodeFlags = commands.agent?.nodeFlags ?? [];
const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    scenarios: { type: 'string', default: 'one,many,idle' },
    lines: { type: 'string', default: '1000000' },
    files: { type: 'string', default: '100' },
    'lines-per-file': { type: 'string', default: '10000' },
    'line-bytes': { type: 'string', default: '200' },
    'idle-files': { type: 'string', default: '1000' },
    'quiet-seconds': { type: 'string', default: '60' },
    peers: { type: 'string', default: 'lcs,rsyslog' },
    'agent-args': { type: 'string', default: '' },
    // The flags `lcs agent` runs with (cmd/lcs/commands.ts), so the bench measures it as users run it.
    'agent-node-options': { type: 'string', default: agentNodeFlags.join(' ') },
    'agent-code': { type: 'string', default: 'compiled' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    // Reads every topic back: lines lost, duplicated or out of order, per collector.
    verify: { type: 'boolean', default: true },
    'stall-seconds': { type: 'string', default: '60' },
  },
});

const say = (line: string): void => void process.stderr.write(`[bench/agent] ${line}\n`);
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const peers = flags.peers.split(',');
// One producer path (docs/decisions.md); the label stays so figures compare across runs.
const clients = ['direct'];
const lineBytes = Number(flags['line-bytes']);

interface Scenario {
  name: string;
  files: number;
  linesPerFile: number;
  /** Measure the quiet time after the first read, not the read (bench/agent/idle.ts). */
  idle?: boolean;
}
const scenarios: Scenario[] = flags.scenarios.split(',').map((s) => {
  if (s === 'one') return { name: 'one', files: 1, linesPerFile: Number(flags.lines) };
  if (s === 'many')
    return { name: 'many', files: Number(flags.files), linesPerFile: Number(flags['lines-per-file']) };
  if (s === 'idle') return { name: 'idle', files: Number(flags['idle-files']), linesPerFile: 2, idle: true };
  throw new Error(`unknown scenario ${s} (one, many, idle)`);
});

// The agent as production runs it: compiled to JavaScript (`--agent-code ts` for the sources).
if (flags['agent-code'] !== 'compiled' && flags['agent-code'] !== 'ts')
  throw new Error(`--agent-code must be compiled or ts, not ${flags['agent-code']}`);
const agentMain = flags['agent-code'] === 'compiled' ? ensureBuild(say) : undefined;

say('starting etcd and Kafka (deploy/local)…');
const ep = await up(['etcd', 'kafka'], { log: say });
const rsyslogVersion = peers.includes('rsyslog') ? await ensureRsyslog(say) : undefined;
const etcd = new Etcd3({ hosts: ep.etcd });
const kafka = new Kafka({ brokers: [ep.kafka], clientId: 'lcs-bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGB: round(totalmem() / 2 ** 30, 1),
  kernel: release(),
  node: process.version,
  kafka: 'Kafka 4.1 KRaft, single broker, local (deploy/local), 4 partitions per topic',
  rsyslog: rsyslogVersion,
  agentCode: flags['agent-code'],
  agentNodeFlags: flags['agent-node-options'],
};

const baseDir = join(repoRoot, 'logs', `bench-agent-${runId}`);
const topics: string[] = [];
let failed = false;

async function newTopic(name: string): Promise<string> {
  const topic = `bench-agent-${runId}-${name}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: 4, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  topics.push(topic);
  return topic;
}

type Figures = RunFigures | IdleFigures;
const isIdle = (f: Figures): f is IdleFigures => 'cpuPercent' in f;

/** The read scenarios measure the read; the idle one the quiet time after it. */
function measureScenario(sc: Scenario, o: Omit<MeasureOptions, 'stallMs' | 'progress'>): Promise<Figures> {
  const common = { ...o, stallMs: Number(flags['stall-seconds']) * 1000, progress: say };
  return sc.idle
    ? measureIdle({ ...common, quietMs: Number(flags['quiet-seconds']) * 1000 })
    : measure(common);
}

/** Reads the topic back after a read scenario; the idle one has no acked count to check against. */
const verifyFigures = (f: Figures, topic: string, lines: number, label: string) =>
  isIdle(f) ? Promise.resolve(undefined) : maybeVerify(topic, f.acked, lines, label);

async function runLcs(
  sc: Scenario,
  corpus: Corpus,
  client: string,
): Promise<Figures & { profile?: ProfileSummary; verified?: Verified }> {
  const topic = await newTopic(`${sc.name}-lcs-${client}`);
  const node = `bench-${runId}-${sc.name}-${client}`;
  const profileDir = flags.profile ? join(corpus.dir, `.profile-${client}`) : undefined;
  const agent = startAgent({
    dir: corpus.dir,
    node,
    etcd: ep.etcd,
    kafka: ep.kafka,
    args: [...flags['agent-args'].split(' ').filter(Boolean)],
    nodeFlags: flags['agent-node-options'].split(/\s+/).filter(Boolean),
    ...(agentMain ? { main: agentMain } : {}),
    ...(profileDir ? { profileDir } : {}),
    // Idle cost is measured with the default status interval, as a node runs it.
    ...(sc.idle ? { env: { LCS_STATUS_INTERVAL: '5s' } } : {}),
  });
  const key = adhocEntryKey(`bench-${runId}-${sc.name}-${client}`);
  try {
    await agent.ready(etcd);
    say(`lcs agent up (pid ${agent.pid}); putting ${key}`);
    const entry = collectEntry(corpus.dir, topic, node);
    await etcd.put(key).value(entry);
    let restored = 0;
    const figures = await measureScenario(sc, {
      admin,
      topic,
      pid: agent.pid,
      lines: corpus.lines,
      bytes: corpus.bytes,
      label: `${sc.name}/lcs (${client})`,
      async check() {
        if (agent.proc.exitCode !== null)
          throw new Error(`lcs agent exited; see ${corpus.dir}/.proc/agent.log`);
        // Integration tests running at the same time clear /lcs/ between files: put it back.
        if ((await etcd.get(key).string()) === null) {
          restored++;
          await etcd.put(key).value(entry);
        }
      },
    });
    if (restored) say(`note: the entry was deleted by someone else ${restored}x during the run and put back`);
    await agent.stop();
    const verified = await verifyFigures(figures, topic, corpus.lines, `${sc.name}/lcs (${client})`);
    const prof = profileDir && readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    return {
      ...figures,
      ...(verified ? { verified } : {}),
      ...(prof ? { profile: summarise(join(profileDir, prof), repoRoot) } : {}),
    };
  } finally {
    await agent.stop();
    await etcd.delete().key(key);
  }
}

async function runRsyslog(sc: Scenario, corpus: Corpus): Promise<Figures & { verified?: Verified }> {
  const topic = await newTopic(`${sc.name}-rsyslog`);
  const dir = join(baseDir, `rsyslog-${sc.name}`);
  mkdirSync(dir, { recursive: true });
  const glob = sc.files === 1 ? corpus.files[0]! : `${corpus.dir}/*.log`;
  const rs = startRsyslog({ glob, topic, brokers: ep.kafka, dir, host: `bench-${runId}` });
  say(`rsyslogd up (pid ${rs.pid}), config ${dir}/rsyslog.conf`);
  try {
    const figures = await measureScenario(sc, {
      admin,
      topic,
      pid: rs.pid,
      lines: corpus.lines,
      bytes: corpus.bytes,
      label: `${sc.name}/rsyslog`,
      async check() {
        if (rs.proc.exitCode !== null) throw new Error(`rsyslogd exited (${rs.proc.exitCode}): ${rs.logs()}`);
      },
    });
    await rs.stop();
    const verified = await verifyFigures(figures, topic, corpus.lines, `${sc.name}/rsyslog`);
    return verified ? { ...figures, verified } : figures;
  } finally {
    await rs.stop();
    const out = rs.logs().trim();
    if (out) say(`rsyslogd said: ${out.split('\n').slice(-5).join(' | ')}`);
  }
}

async function maybeVerify(
  topic: string,
  records: number,
  lines: number,
  label: string,
): Promise<Verified | undefined> {
  if (!flags.verify) return undefined;
  say(`${label}: reading ${topic} back to check every line arrived once and in order…`);
  const v = await verifyTopic(kafka, topic, records, lines);
  say(
    `${label}: ${v.distinct}/${lines} lines arrived, ${v.lost} lost, ${v.duplicates} duplicated, ${v.orderViolations} out of order`,
  );
  return v;
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a !== undefined && b ? round(a / b, 2) : undefined;

/** A collector's run: its figures, or why it could not be measured (a peer's failure is a result). */
type Outcome = (Figures & { profile?: ProfileSummary; verified?: Verified }) | { failed: string };

async function outcome(label: string, run: Promise<Exclude<Outcome, { failed: string }>>): Promise<Outcome> {
  try {
    return await run;
  } catch (err) {
    say(`${label} failed: ${(err as Error).message} (reported as a figure; the run goes on)`);
    return { failed: (err as Error).message };
  }
}

const figuresOf = (o: Outcome | undefined): Figures | undefined =>
  o === undefined || 'failed' in o ? undefined : o;

type Comparison = {
  ratios: Record<string, Record<string, number | undefined>>;
  targets: Record<string, Record<string, boolean | undefined>>;
};

function compareRead(collectors: Record<string, Outcome>): Comparison {
  const rs = figuresOf(collectors['rsyslog']) as RunFigures | undefined;
  const ratios: Comparison['ratios'] = {};
  const targets: Comparison['targets'] = {};
  for (const client of clients) {
    const l = figuresOf(collectors[`lcs/${client}`]) as RunFigures | undefined;
    if (!l) continue;
    if (rs)
      ratios[`lcs/${client} ÷ rsyslog`] = {
        linesPerCpuSecond: ratio(l.linesPerCpuSecond, rs.linesPerCpuSecond),
        throughput: ratio(l.linesPerSecond, rs.linesPerSecond),
        peakRss: ratio(l.peakRssMB, rs.peakRssMB),
      };
    targets[`lcs/${client}`] = {
      // The targets of the seams issue: twice rsyslog's lines per CPU-second, 1.5× its
      // wall-clock lines/s, peak RSS under 150 MB, and nothing lost.
      twiceRsyslogLinesPerCpuSecond: rs ? l.linesPerCpuSecond >= 2 * rs.linesPerCpuSecond : undefined,
      oneAndAHalfRsyslogThroughput: rs ? l.linesPerSecond >= 1.5 * rs.linesPerSecond : undefined,
      peakRssUnder150MB: l.peakRssMB < 150,
      noLineLost: l.missingLines === 0,
    };
  }
  return { ratios, targets };
}

function compareIdle(collectors: Record<string, Outcome>): Comparison {
  const rs = figuresOf(collectors['rsyslog']) as IdleFigures | undefined;
  const ratios: Comparison['ratios'] = {};
  const targets: Comparison['targets'] = {};
  for (const client of clients) {
    const l = figuresOf(collectors[`lcs/${client}`]) as IdleFigures | undefined;
    if (!l) continue;
    if (rs)
      ratios[`lcs/${client} ÷ rsyslog`] = {
        cpu: ratio(l.cpuSeconds, rs.cpuSeconds),
        rss: ratio(l.rssMB, rs.rssMB),
      };
    // Issue 9: quiet, the agent uses at most 1% of a core and 80 MB.
    targets[`lcs/${client}`] = { cpuAtMost1Percent: l.cpuPercent <= 1, rssAtMost80MB: l.rssMB <= 80 };
  }
  return { ratios, targets };
}

const results: {
  scenario: string;
  files: number;
  lines: number;
  collectors: Record<string, Outcome>;
  ratios: Record<string, Record<string, number | undefined>>;
  targets: Record<string, Record<string, boolean | undefined>>;
}[] = [];
try {
  for (const sc of scenarios) {
    const dir = join(baseDir, sc.name);
    say(
      `${sc.name}: writing ${sc.files} file(s) × ${sc.linesPerFile} lines of ${lineBytes} bytes to ${dir}…`,
    );
    // (the idle corpus is written in a moment: its progress would be a line per file)
    const corpus = await writeCorpus(dir, sc.files, sc.linesPerFile, lineBytes, (d, t) =>
      sc.idle ? undefined : say(`${sc.name}: written ${d}/${t} lines`),
    );
    const collectors: Record<string, Outcome> = {};
    if (peers.includes('lcs'))
      for (const client of clients)
        collectors[`lcs/${client}`] = await outcome(`lcs/${client}`, runLcs(sc, corpus, client));
    if (peers.includes('rsyslog')) collectors['rsyslog'] = await outcome('rsyslog', runRsyslog(sc, corpus));
    const { ratios, targets } = sc.idle ? compareIdle(collectors) : compareRead(collectors);
    const doc = {
      scenario: sc.name,
      files: sc.files,
      lines: corpus.lines,
      bytes: corpus.bytes,
      lineBytes,
      acks: 'all',
      collectors,
      ratios,
      targets,
    };
    results.push(doc);
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    if (!flags.keep) rmSync(dir, { recursive: true, force: true });
  }
  const per = results.map((r) => {
    const figures = Object.fromEntries(
      Object.entries(r.collectors).map(([k, o]) => {
        if ('failed' in o) return [k, { failed: o.failed }];
        if (isIdle(o)) return [k, { cpuPercent: o.cpuPercent, rssMB: o.rssMB, peakRssMB: o.peakRssMB }];
        return [
          k,
          {
            linesPerSecond: o.linesPerSecond,
            sustainedLinesPerSecond: o.sustainedLinesPerSecond,
            linesPerCpuSecond: o.linesPerCpuSecond,
            cpuSecondsPerGB: o.cpuSecondsPerGB,
            peakRssMB: o.peakRssMB,
            // Lost lines per collector: distinct lines read back when verified, else the
            // shortfall of acknowledged records.
            lostLines: o.verified ? o.verified.lost : o.missingLines,
            ...(o.verified
              ? { duplicateLines: o.verified.duplicates, outOfOrder: o.verified.orderViolations }
              : {}),
          },
        ];
      }),
    );
    return {
      scenario: r.scenario,
      lines: r.lines,
      files: r.files,
      figures,
      ratios: r.ratios,
      targets: r.targets,
    };
  });
  process.stdout.write(
    JSON.stringify(
      { summary: true, runId, machine, command: process.argv.slice(2), scenarios: per },
      null,
      2,
    ) + '\n',
  );
} catch (err) {
  // Keep the files, the agent's log and rsyslog's config for a look.
  say(`failed; kept ${baseDir} (agent logs under <scenario>/.proc/)`);
  failed = true;
  throw err;
} finally {
  if (!flags.keep && !failed) {
    if (topics.length)
      await admin
        .deleteTopics({ topics })
        .catch((e: unknown) => say(`could not delete topics: ${String(e)}`));
    rmSync(baseDir, { recursive: true, force: true });
  }
  await admin.disconnect();
  etcd.close();
}
