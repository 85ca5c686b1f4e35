// cancel-running-task: cancel a running task → its promise settles; and
// cancel-running-task-next: the same cancel → the next task runs on the freed capacity (a pool of one).
//
// threadkit: a ThreadPoolExecutor of one warm worker; the task blocks in sleepSync(Infinity), which the
// cancel wakes, and returns; future.cancel() → the future settles, and the next task runs on the same
// worker. raw: a reusable Worker whose CPU-bound task checks a bare flag and answers 'cancelled'; the next
// task is a message to the same worker. piscina/tinypool: AbortSignal; workerpool: promise.cancel(). A
// pure-CPU task cannot see either, so the pool ends the worker and starts another one before the next task
// can run. poolifier is left out: its abort is a message the busy worker never reads (see peers.ts).
import { Worker } from 'node:worker_threads';
import { Stamps, delay, elapsed, now } from '../lib/clock.ts';
import { type Group, type Threadkit, impls, pick } from '../lib/context.ts';
import { poolApi, type Future, type PoolApi } from '../lib/api.ts';
import { CANNOT_CANCEL_RUNNING, createPool, type PeerPool } from '../lib/peers.ts';
import { summarizeAll, type Impl } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';

declare const sleepSync: Threadkit['sleepSync']; // seen by name inside the plain-function target

const RAW_TASK = new URL('../workers/raw-task.mjs', import.meta.url);

/** The threadkit task: stamps slot 0, then blocks until cancelled (the cancel wakes it) and returns. */
function stampAndSleep(buffer: SharedArrayBuffer): boolean {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
  return sleepSync(Infinity);
}

/** The next task: stamps slot 0 and returns. */
function stampOnly(buffer: SharedArrayBuffer): void {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
}

interface Sample {
  settle: number;
  next: number;
}

/** How one implementation starts the long task, cancels it, and starts the next one. */
interface Runner {
  /** Starts the long task; `cancel` asks for it to stop, `settled` is its promise (rejecting). */
  start(stamps: Stamps): { cancel: () => void; settled: Promise<unknown> };
  startNext(stamps: Stamps): void;
  close(): Promise<void>;
}

function threadkitRunner(api: PoolApi): Runner {
  const pool = new api.ThreadPoolExecutor({ maxWorkers: 1, minWorkers: 1 });
  const next: Future[] = [];
  return {
    start(stamps) {
      const future = pool.submit(stampAndSleep, stamps.buffer);
      return { cancel: () => future.cancel(), settled: Promise.resolve(future) };
    },
    startNext: (stamps) => void next.push(pool.submit(stampOnly, stamps.buffer)),
    close: async () => {
      await Promise.all(next);
      await pool.shutdown();
    },
  };
}

function rawRunner(): Runner {
  const worker = new Worker(RAW_TASK, { execArgv: [] });
  const flag = new Int32Array(new SharedArrayBuffer(4));
  return {
    start(stamps) {
      Atomics.store(flag, 0, 0);
      worker.postMessage({ kind: 'spin', stamps: stamps.buffer, flag: flag.buffer });
      const settled = new Promise((_, reject) => worker.once('message', (m) => reject(new Error(`raw task ${String(m)}`))));
      return { cancel: () => Atomics.store(flag, 0, 1), settled };
    },
    startNext: (stamps) => worker.postMessage({ kind: 'stamp', stamps: stamps.buffer }),
    close: () => worker.terminate().then(() => {}),
  };
}

function peerRunner(pool: PeerPool): Runner {
  return {
    start(stamps) {
      const running = pool.run('stampAndSpin', stamps.buffer);
      return { cancel: running.cancel, settled: running.done };
    },
    startNext: (stamps) => void pool.run('stampOnly', stamps.buffer).done.catch(() => {}),
    close: () => pool.destroy(),
  };
}

async function sample(runner: Runner): Promise<Sample> {
  const task = new Stamps(1);
  const { cancel, settled } = runner.start(task);
  await task.wait(0);
  await delay(5);
  const t0 = now();
  cancel();
  await settled.catch(() => {});
  const settle = elapsed(t0, now(), 'ms');
  const next = new Stamps(1);
  runner.startNext(next);
  return { settle, next: elapsed(t0, await next.wait(0), 'ms') };
}

export const cancelRunning: Group = async (ctx) => {
  const api = poolApi(ctx, 'cancel-running-task(-next)');
  const all = impls(ctx, true).filter((i) => (i !== 'threadkit' || api) && !(CANNOT_CANCEL_RUNNING as readonly string[]).includes(i));
  const perRound = pick(ctx, 1, 3); // workerpool takes 2 s a sample: keep --quick short
  const nextByImpl = new Map<Impl, number[]>();
  const settle = await alternate(all, pick(ctx, 2, 4), async (impl) => {
    const runner = impl === 'threadkit' ? threadkitRunner(api!) : impl === 'raw' ? rawRunner() : peerRunner(createPool(impl, 1));
    const warm = new Stamps(1); // warm-up: the pool's first worker is up, the code has run once
    runner.startNext(warm);
    await warm.wait(0);
    const samples: Sample[] = [];
    for (let i = 0; i < perRound; i++) samples.push(await sample(runner));
    await runner.close();
    nextByImpl.set(impl, [...(nextByImpl.get(impl) ?? []), ...samples.map((s) => s.next)]);
    return samples.map((s) => s.settle);
  });
  ctx.note(
    'cancel-running-task(-next): a pool of one thread; threadkit: ThreadPoolExecutor({ maxWorkers: 1 }), the task blocked in sleepSync(Infinity), future.cancel(), the next task on the same worker; raw: a reusable Worker with a flag; peers: their abort, which replaces the worker.',
  );
  ctx.note(
    `cancel-running-task(-next): ${CANNOT_CANCEL_RUNNING.join(', ')} left out: its abort cannot end a running task that does not yield (the promise never settles).`,
  );
  return [...summarizeAll('cancel-running-task', 'ms', settle), ...summarizeAll('cancel-running-task-next', 'ms', nextByImpl)];
};
