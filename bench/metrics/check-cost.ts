// cancel-check-cost: nanoseconds per cancelled() check in a hot loop; raw: a bare Atomics.load of a flag.
import { Worker } from 'node:worker_threads';
import { type Context, type Group, type Threadkit, impls, pick } from '../lib/context.ts';
import { summarizeAll, type Impl } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';

declare const cancelled: Threadkit['cancelled']; // seen by name inside the plain-function target

const RAW_CHECK_COST = new URL('../workers/raw-check-cost.mjs', import.meta.url);

/** The threadkit target: `reps` timed loops of `iterations` checks; returns ns per check of each loop. */
function timeChecks(iterations: number, reps: number): { perCheck: number[]; hits: number } {
  const perCheck: number[] = [];
  let hits = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) if (cancelled()) hits++;
    perCheck.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return { perCheck, hits };
}

type Timing = ReturnType<typeof timeChecks>;

async function measure(ctx: Context, impl: Impl, iterations: number, reps: number): Promise<number[]> {
  let timing: Timing;
  if (impl === 'threadkit') {
    const thread = new ctx.tk!.Thread({ target: timeChecks, args: [iterations, reps] }).start();
    timing = await thread.result();
  } else {
    const flag = new SharedArrayBuffer(4);
    const worker = new Worker(RAW_CHECK_COST, { workerData: { flag, iterations, reps }, execArgv: [] });
    timing = await new Promise<Timing>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  }
  return timing.perCheck.slice(2); // the first loops run before the JIT has optimized the loop
}

export const checkCost: Group = async (ctx) => {
  const iterations = 1_000_000;
  const reps = pick(ctx, 20, 100);
  const samples = await alternate(impls(ctx, false), pick(ctx, 2, 6), (impl) => measure(ctx, impl, iterations, reps));
  ctx.note(`cancel-check-cost: loops of ${iterations} checks in one thread; each sample is one loop's ns per check.`);
  return summarizeAll('cancel-check-cost', 'ns', samples);
};
