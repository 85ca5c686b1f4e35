// cpu-speedup: one CPU-bound batch on k threads vs serial on the main thread, for k = 1, 2, 4, ... up to
// the machine's cores (cpu-speedup@k), and cpu-speedup = all cores.
//
// The batch is 4 tasks per core of the same integer-mixing kernel, sized to about 1 s serial (0.2 s with
// --quick) whatever the machine. threadkit and raw start k fresh threads per batch (a thread per share of
// the work: that is how they are used), timed from the first start to the last result; the peers run
// the batch on a warm pool of k workers (a pool is made to be kept).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { elapsed, now } from '../lib/clock.ts';
import { type Group, impls, pick } from '../lib/context.ts';
import { createPool, type PeerPool } from '../lib/peers.ts';
import { median } from '../lib/stats.ts';
import { summarizeAll, type Impl, type Result } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';
import { mix } from '../workers/kernel.mjs';

const RAW_CPU = new URL('../workers/raw-cpu.mjs', import.meta.url);

/** 1, 2, 4, ... below `cores`, then `cores`. */
export function threadCounts(cores: number): number[] {
  const counts: number[] = [];
  for (let k = 1; k < cores; k *= 2) counts.push(k);
  return [...counts, cores];
}

/** The kernel iterations that take about `ms` on this machine's main thread. */
function calibrate(ms: number): number {
  mix(1, 1e6); // warm up the JIT
  const t0 = now();
  mix(2, 1e7);
  return Math.round((1e7 * ms) / elapsed(t0, now(), 'ms'));
}

/** Seeds dealt round-robin to k shares. */
const deal = (seeds: number[], k: number): number[][] =>
  Array.from({ length: k }, (_, j) => seeds.filter((_, i) => i % k === j));

export const cpu: Group = async (ctx) => {
  const cores = availableParallelism();
  const seeds = Array.from({ length: 4 * cores }, (_, i) => i + 1);
  const iterations = calibrate(pick(ctx, 200, 1000) / seeds.length);
  const reps = pick(ctx, 2, 4);
  const mixBatch = ctx.tk ? (await import('../workers/threadkit-tasks.mjs')).mixBatch : undefined;

  const timeSerial = (): number => {
    const t0 = now();
    seeds.map((seed) => mix(seed, iterations));
    return elapsed(t0, now(), 'ms');
  };

  /** Milliseconds to run the batch on k threads of `impl` (`pool` for the peers). */
  async function timeBatch(impl: Impl, k: number, pool: PeerPool | undefined): Promise<number> {
    const shares = deal(seeds, k);
    const t0 = now();
    if (impl === 'threadkit') {
      const threads = shares.map((share) => new ctx.tk!.Thread({ target: mixBatch!, args: [share, iterations] }).start());
      await Promise.all(threads.map((t) => t.result()));
    } else if (impl === 'raw') {
      await Promise.all(
        shares.map((share) => {
          const worker = new Worker(RAW_CPU, { workerData: { seeds: share, iterations }, execArgv: [] });
          return new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
        }),
      );
    } else {
      await Promise.all(seeds.map((seed) => pool!.run('mixOne', { seed, iterations }).done));
    }
    return elapsed(t0, now(), 'ms');
  }

  // Serial is timed again in every round, and each speedup divides by its own round's serial time, so
  // that a change in the machine's load (2 shared cores) hits both sides of the quotient alike.
  timeSerial(); // warm-up
  const serial: number[] = [];

  const results: Result[] = [];
  for (const k of threadCounts(cores)) {
    const pools = new Map<Impl, PeerPool>();
    const serialOfRound = new Map<number, number>();
    const speedups = await alternate(impls(ctx, true), reps, async (impl, round) => {
      let pool = pools.get(impl);
      if (!pool && impl !== 'threadkit' && impl !== 'raw') {
        pool = createPool(impl, k);
        pools.set(impl, pool);
        await timeBatch(impl, k, pool); // warm-up: all k workers up, the kernel compiled
      }
      if (!serialOfRound.has(round)) serialOfRound.set(round, timeSerial());
      return [serialOfRound.get(round)! / (await timeBatch(impl, k, pool))];
    });
    await Promise.all([...pools.values()].map((p) => p.destroy()));
    serial.push(...serialOfRound.values());
    results.push(...summarizeAll(`cpu-speedup@${k}`, 'x', speedups));
    if (k === cores) results.push(...summarizeAll('cpu-speedup', 'x', speedups));
  }
  ctx.note(`cpu-speedup: ${seeds.length} tasks, ${median(serial).toFixed(0)} ms serial on the main thread; threadkit/raw start fresh threads per batch, peers use a warm pool.`);
  return results;
};
