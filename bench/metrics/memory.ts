// memory-per-thread: RSS added per live idle thread (blocked in sleepSync / Atomics.wait / an idle pool).
import { Worker } from 'node:worker_threads';
import { Stamps, delay } from '../lib/clock.ts';
import { type Context, type Group, type Threadkit, impls, pick } from '../lib/context.ts';
import { createPool } from '../lib/peers.ts';
import { summarizeAll, type PoolImpl } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';

declare const sleepSync: Threadkit['sleepSync']; // seen by name inside the plain-function target

const RAW_START = new URL('../workers/raw-start.mjs', import.meta.url);
const MiB = 2 ** 20;

/** The threadkit target: stamps slot 0, then sleeps until cancelled. */
function stampAndSleep(buffer: SharedArrayBuffer): void {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
  sleepSync(60_000);
}

/** Starts `count` idle threads of `impl`, and returns (RSS after - RSS before) / count in MiB. */
async function perThread(ctx: Context, impl: PoolImpl, count: number): Promise<number> {
  await delay(100); // let the previous round's threads finish tearing down
  const before = process.memoryUsage.rss();
  const stamps = Array.from({ length: count }, () => new Stamps(2));
  let release: () => Promise<unknown>;
  if (impl === 'threadkit') {
    const threads = stamps.map((s) => new ctx.tk!.Thread({ target: stampAndSleep, args: [s.buffer] }).start());
    release = () => Promise.all(threads.map((t) => t.stop()));
  } else if (impl === 'raw') {
    const workers = stamps.map((s) => new Worker(RAW_START, { workerData: { stamps: s.buffer, then: 'block' }, execArgv: [] }));
    release = () => Promise.all(workers.map((w) => w.terminate()));
  } else {
    const pool = createPool(impl, count);
    const tasks = stamps.map((s) => pool.run('stampAndBlock', s.buffer).done);
    release = async () => {
      stamps.forEach((s) => s.set(1));
      await Promise.all(tasks);
      await pool.destroy();
    };
  }
  await Promise.all(stamps.map((s) => s.wait(0)));
  await delay(200); // RSS settles after the threads' first allocations
  const added = (process.memoryUsage.rss() - before) / count / MiB;
  await release();
  return added;
}

export const memory: Group = async (ctx) => {
  const count = pick(ctx, 3, 12);
  const samples = await alternate(impls(ctx, true), pick(ctx, 2, 5), async (impl) => [await perThread(ctx, impl, count)]);
  ctx.note(`memory-per-thread: RSS of this process with ${count} idle live threads minus before, per thread (one sample per batch).`);
  return summarizeAll('memory-per-thread', 'MiB', samples);
};
