// Where a sample's CPU goes, input by input: the real HostSampler on this host's /proc and
// /sys, one input at a time, in this process, with the CPU (user and system, all threads:
// process.cpuUsage) of each sample and its line-protocol encoding. What run.ts measures from
// outside is the whole of it plus the write, the status record and the timers.
//
//   sh deploy/local/run.sh bench/metrics/inputs.ts [--samples 100] [--gap-ms 50]

import { parseArgs } from 'node:util';
import { encodePoints } from '../../metrics/line-protocol.ts';
import { DEFAULT_IGNORE_FS } from '../../metrics/host/disk.ts';
import { hostPathsFrom } from '../../metrics/host/paths.ts';
import { HOST_INPUTS, HostSampler, type HostInput } from '../../metrics/host/sampler.ts';
import { round, say as sayAs } from '../support.ts';

const { values: flags } = parseArgs({
  options: {
    samples: { type: 'string', default: '100' },
    'gap-ms': { type: 'string', default: '50' },
  },
});
const samples = Number(flags.samples);
const gapMs = Number(flags['gap-ms']);
if (!Number.isInteger(samples) || samples < 2) throw new Error(`--samples must be ≥ 2, not ${flags.samples}`);
const say = (l: string): void => sayAs('bench/metrics/inputs', l);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cost(inputs: readonly HostInput[]) {
  const sampler = new HostSampler({
    paths: hostPathsFrom(process.env),
    inputs,
    netInterfaces: [],
    ignoreFs: DEFAULT_IGNORE_FS,
  });
  const tags = { host: 'bench' };
  await sampler.sample(tags, 0); // cpu's first reading, and warm code
  let user = 0;
  let system = 0;
  let points = 0;
  for (let i = 0; i < samples; i++) {
    await sleep(gapMs);
    const c0 = process.cpuUsage();
    const s = await sampler.sample(tags, i + 1);
    const lines = encodePoints(s.points);
    const c = process.cpuUsage(c0);
    user += c.user;
    system += c.system;
    points += lines.length;
    if (s.errors.length) throw new Error(`${inputs.join(',')}: ${String(s.errors[0]!.error)}`);
  }
  const ms = (us: number) => round(us / 1000 / samples, 2);
  return {
    cpuMs: ms(user + system),
    userMs: ms(user),
    systemMs: ms(system),
    pointsPerSample: round(points / samples, 1),
  };
}

const out: Record<string, unknown> = {};
for (const input of HOST_INPUTS) {
  out[input] = await cost([input]);
  say(`${input}: ${JSON.stringify(out[input])}`);
}
out.all = await cost(HOST_INPUTS);
say(`all: ${JSON.stringify(out.all)}`);
process.stdout.write(
  JSON.stringify({ bench: 'metrics/inputs', samples, gapMs, inputs: out }, null, 2) + '\n',
);
