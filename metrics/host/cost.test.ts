// What a sample costs the process it runs in, on the real /proc and /sys of this machine: no
// child process (every child_process function is patched to record a call) and no stall of
// the event loop above 5 ms (perf_hooks.monitorEventLoopDelay at 1 ms resolution). A stall
// the sampler causes (a synchronous read, a spawn) shows in every round; one the machine
// causes (another process on a shared core) does not, so the bound must hold in one of five
// rounds of 20 samples each, and each round's figure is printed. Samples are 50 ms apart, as
// they are spread out (an interval apart) in the service.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encodePoints } from '../line-protocol.ts';
import { hostPathsFrom } from './paths.ts';
import { HOST_INPUTS, HostSampler } from './sampler.ts';
import { DEFAULT_IGNORE_FS } from './disk.ts';

const SPAWNING = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

test('a sample of every input spawns nothing and stalls the event loop at most 5 ms', async () => {
  const calls: string[] = [];
  const cp = childProcess as unknown as Record<string, unknown>;
  const saved = SPAWNING.map((name) => [name, cp[name]] as const);
  for (const name of SPAWNING)
    cp[name] = (...args: unknown[]) => {
      calls.push(`${name}(${String(args[0])})`);
      throw new Error(`child_process.${name} called during a sample`);
    };
  syncBuiltinESMExports();
  try {
    const sampler = new HostSampler({
      paths: hostPathsFrom(process.env),
      inputs: HOST_INPUTS,
      netInterfaces: ['*'],
      ignoreFs: DEFAULT_IGNORE_FS,
    });
    await sampler.sample({ host: 't' }, 0); // primes the CPU counters
    const maxima: number[] = [];
    let points = 0;
    for (let round = 0; round < 5; round++) {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      for (let i = 1; i <= 20; i++) {
        const s = await sampler.sample({ host: 't' }, i);
        assert.deepEqual(
          s.errors.map((e) => e.input),
          [],
          'every input reads on this machine',
        );
        points = encodePoints(s.points).length;
        await new Promise((r) => setTimeout(r, 50)); // the workload's shape, not synchronisation
      }
      h.disable();
      maxima.push(h.max / 1e6);
      if (h.max / 1e6 <= 5) break;
    }
    process.stdout.write(
      `# ${points} points per sample; longest event-loop delay per round: ${maxima.map((m) => m.toFixed(2)).join(', ')} ms\n`,
    );
    assert.deepEqual(calls, [], 'no child process');
    assert.ok(points > 10, `a sample of every input has points (${points})`);
    assert.ok(
      Math.min(...maxima) <= 5,
      `event-loop delay above 5 ms in every round: ${maxima.join(', ')} ms`,
    );
  } finally {
    for (const [name, fn] of saved) cp[name] = fn;
    syncBuiltinESMExports();
  }
});
