// cpu-speedup: one CPU-bound batch on k threads vs serial on the main thread, for k = 1, 2, 4, ... up to
// the machine's cores (cpu-speedup@k), and cpu-speedup = all cores.
//
// The batch is 4 tasks per core of the same integer-mixing kernel, sized to about 1 s serial (0.2 s with
// --quick) whatever the machine. Every implementation runs it on k warm threads, started once per k and
// warmed up with one batch: threadkit a ThreadPoolExecutor({ minWorkers: k, maxWorkers: k }) with one
// submit per task (mixOne of workers/threadkit-tasks.mjs), the peers a pool of k workers with one run per
// task, raw k reusable Workers that each get their share of the batch in one message (the floor: no
// per-task dispatch at all). Timed from the first submit to the last result.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { poolApi } from '../lib/api.ts';
import { elapsed, now } from '../lib/clock.ts';
import { type Group, impls, pick } from '../lib/context.ts';
import { createPool } from '../lib/peers.ts';
import { median } from '../lib/stats.ts';
import { summarizeAll, type Impl, type PoolImpl, type Result } from '../lib/results.ts';
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
const deal = (seeds: number[], k: number): number[][] => Array.from({ length: k }, (_, j) => seeds.filter((_, i) => i % k === j));

/** k warm threads of one implementation that run the whole batch. */
interface Batcher {
  run(): Promise<unknown>;
  close(): Promise<unknown>;
}

export const cpu: Group = async (ctx) => {
  const cores = availableParallelism();
  const seeds = Array.from({ length: 4 * cores }, (_, i) => i + 1);
  const iterations = calibrate(pick(ctx, 200, 1000) / seeds.length);
  const reps = pick(ctx, 2, 4);
  const api = poolApi(ctx, 'cpu-speedup');
  const mixOne = api ? (await import('../workers/threadkit-tasks.mjs')).mixOne : undefined;
  const all = impls(ctx, true).filter((i) => i !== 'threadkit' || api);

  const timeSerial = (): number => {
    const t0 = now();
    seeds.map((seed) => mix(seed, iterations));
    return elapsed(t0, now(), 'ms');
  };

  function batcher(impl: PoolImpl, k: number): Batcher {
    if (impl === 'threadkit') {
      const pool = new api!.ThreadPoolExecutor({ maxWorkers: k, minWorkers: k });
      return { run: () => Promise.all(seeds.map((seed) => pool.submit(mixOne!, seed, iterations))), close: () => pool.shutdown() };
    }
    if (impl === 'raw') {
      const workers = Array.from({ length: k }, () => new Worker(RAW_CPU, { execArgv: [] }));
      const shares = deal(seeds, k);
      return {
        run: () =>
          Promise.all(
            workers.map((w, j) => {
              const result = new Promise((resolve, reject) => w.once('message', resolve).once('error', reject));
              w.postMessage({ seeds: shares[j], iterations });
              return result;
            }),
          ),
        close: () => Promise.all(workers.map((w) => w.terminate())),
      };
    }
    const pool = createPool(impl, k);
    return { run: () => Promise.all(seeds.map((seed) => pool.run('mixOne', { seed, iterations }).done)), close: () => pool.destroy() };
  }

  // Serial is timed again in every round, and each speedup divides by its own round's serial time, so
  // that a change in the machine's load (2 shared cores) hits both sides of the quotient alike.
  timeSerial(); // warm-up
  const serial: number[] = [];

  const results: Result[] = [];
  for (const k of threadCounts(cores)) {
    const batchers = new Map<Impl, Batcher>();
    const serialOfRound = new Map<number, number>();
    const speedups = await alternate(all, reps, async (impl, round) => {
      let b = batchers.get(impl);
      if (!b) {
        b = batcher(impl, k);
        batchers.set(impl, b);
        await b.run(); // warm-up: all k workers up, the kernel compiled
      }
      if (!serialOfRound.has(round)) serialOfRound.set(round, timeSerial());
      const t0 = now();
      await b.run();
      return [serialOfRound.get(round)! / elapsed(t0, now(), 'ms')];
    });
    await Promise.all([...batchers.values()].map((b) => b.close()));
    serial.push(...serialOfRound.values());
    results.push(...summarizeAll(`cpu-speedup@${k}`, 'x', speedups));
    if (k === cores) results.push(...summarizeAll('cpu-speedup', 'x', speedups));
  }
  ctx.note(
    `cpu-speedup: ${seeds.length} tasks, ${median(serial).toFixed(0)} ms serial on the main thread; every implementation on k warm threads (threadkit: ThreadPoolExecutor; raw: k Workers, one message per share).`,
  );
  return results;
};
