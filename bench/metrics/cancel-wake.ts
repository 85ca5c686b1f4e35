// cancel-blocked-sleep, cancel-async-sleep, cancel-polling: cancel() → the cancelled thread runs again.
//
// Each sample is one fresh thread (a cancel is one-way: a thread is cancelled once). Threads are started in
// batches and park on a go slot, so no thread is starting or spinning while another is measured. Then, one
// at a time: go → the thread stamps "armed" and enters its wait → 5 ms later main stamps t0, cancels, and
// blocks in Atomics.wait (leaving the CPU to the thread) → the thread stamps "woken" on its first line
// after the wait. Sample = woken - t0, so it includes the cancel() call itself. The raw Worker runs the
// same steps on a bare Int32 flag (Atomics.notify / Atomics.waitAsync / Atomics.load), so the ratio shows
// threadkit's own cost.
import { Worker } from 'node:worker_threads';
import { Stamps, delay, elapsed, now } from '../lib/clock.ts';
import { type Context, type Group, type Threadkit, impls, pick } from '../lib/context.ts';
import { summarizeAll } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';

// threadkit's in-thread functions, which plain-function targets see by name in the thread. Declared, not
// imported: these targets never run on this side, and the raw and peer rows run without a built threadkit.
declare const sleepSync: Threadkit['sleepSync'];
declare const sleep: Threadkit['sleep'];
declare const cancelled: Threadkit['cancelled'];

const RAW_CANCEL = new URL('../workers/raw-cancel.mjs', import.meta.url);
export const [GO, PARKED, ARMED, WOKEN] = [0, 1, 2, 3];

type Mode = 'blocked' | 'async' | 'polling';
const METRIC: Record<Mode, string> = {
  blocked: 'cancel-blocked-sleep',
  async: 'cancel-async-sleep',
  polling: 'cancel-polling',
};

/** The threadkit target: park on go, stamp armed, wait the threadkit way (`mode`), stamp woken. */
async function target(buffer: SharedArrayBuffer, mode: Mode): Promise<void> {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 1, process.hrtime.bigint());
  Atomics.notify(s, 1);
  Atomics.wait(s, 0, 0n);
  Atomics.store(s, 2, process.hrtime.bigint());
  Atomics.notify(s, 2);
  if (mode === 'blocked') sleepSync(60_000);
  else if (mode === 'async') await sleep(60_000);
  else while (!cancelled());
  Atomics.store(s, 3, process.hrtime.bigint());
  Atomics.notify(s, 3);
}

/** A started thread of either kind, as the batch sees it. */
export interface Parked {
  stamps: Stamps;
  cancel(): void;
  ended(): Promise<unknown>;
}

function startThreadkit(ctx: Context, mode: Mode): Parked {
  const stamps = new Stamps(4);
  const thread = new ctx.tk!.Thread({ target, args: [stamps.buffer, mode], daemon: true }).start();
  return { stamps, cancel: () => thread.cancel(), ended: () => thread.join() };
}

export function startRaw(mode: Mode): Parked {
  const stamps = new Stamps(4);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(RAW_CANCEL, { workerData: { mode, stamps: stamps.buffer, flag: flag.buffer }, execArgv: [] });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  return {
    stamps,
    cancel() {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    },
    ended: () => exited,
  };
}

/** Starts `size` threads, waits until all are parked, then measures them one at a time (µs). */
export async function batch(start: () => Parked, size: number): Promise<number[]> {
  const threads = Array.from({ length: size }, start);
  await Promise.all(threads.map((t) => t.stamps.wait(PARKED)));
  const samples: number[] = [];
  for (const t of threads) {
    t.stamps.set(GO);
    await t.stamps.wait(ARMED);
    await delay(5);
    const t0 = now();
    t.cancel();
    t.stamps.block(WOKEN, 100); // falls through to the async wait if cancel() needs this event loop
    samples.push(elapsed(t0, await t.stamps.wait(WOKEN), 'us'));
    await t.ended();
  }
  return samples;
}

export const cancelWake: Group = async (ctx) => {
  const results = [];
  for (const mode of ['blocked', 'async', 'polling'] as const) {
    const size = pick(ctx, 5, 25);
    const samples = await alternate(impls(ctx, false), pick(ctx, 2, mode === 'blocked' ? 12 : 6), (impl) =>
      batch(impl === 'threadkit' ? () => startThreadkit(ctx, mode) : () => startRaw(mode), size),
    );
    results.push(...summarizeAll(METRIC[mode], 'us', samples));
  }
  ctx.note(
    'cancel-*: one fresh thread per sample, woken 5 ms after it entered its wait; raw is a Worker doing the same on a bare Int32 flag.',
  );
  return results;
};
