// pool-task-start, pool-round-trip, tiny-task-throughput, pool-queued-memory: a warm pool of threads doing
// small tasks, threadkit's ThreadPoolExecutor next to raw Workers and the peer pools.
//
// Every implementation sits behind the same three calls (stamp, echo, block) so that each metric runs the
// same steps on all of them. threadkit: pool.submit(plainFunction, ...args) on a pool with minWorkers =
// maxWorkers; raw: one reusable Worker per slot (workers/raw-pool.mjs) fed by postMessage, round-robin,
// each answering every message with one reply; peers: their run()/exec()/execute() of
// workers/peer-tasks.mjs on a pool of exactly that many workers. Every pool is warmed up (all workers
// started, each task run once on each) before it is measured.
import v8 from 'node:v8';
import vm from 'node:vm';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { poolApi, type Executor, type PoolApi } from '../lib/api.ts';
import { Stamps, delay, elapsed, now } from '../lib/clock.ts';
import { type Context, type Group, impls, pick } from '../lib/context.ts';
import { createPool } from '../lib/peers.ts';
import { summarizeAll, type Impl, type PoolImpl } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';

const RAW_POOL = new URL('../workers/raw-pool.mjs', import.meta.url);
const MiB = 2 ** 20;

/** threadkit target: stamps slot 0 on its first line (the task "runs"). */
function stampOnly(buffer: SharedArrayBuffer): number {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
  return 0;
}

/** threadkit target: the trivial task, returns its argument. */
function echo(value: unknown): unknown {
  return value;
}

/** threadkit target: stamps slot 0, then blocks until slot 1 is set (keeps its worker busy). */
function stampAndBlock(buffer: SharedArrayBuffer): number {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
  Atomics.wait(s, 1, 0n);
  return 0;
}

/** One implementation's pool of `threads` workers, as the metrics drive it. */
interface Runner {
  stamp(buffer: SharedArrayBuffer): PromiseLike<unknown>;
  echo(value: unknown): PromiseLike<unknown>;
  block(buffer: SharedArrayBuffer): PromiseLike<unknown>;
  close(): Promise<void>;
}

/** Raw: `threads` Workers, messages dealt round-robin; each worker answers in order, so replies are FIFO. */
function rawRunner(threads: number): Runner {
  const workers = Array.from({ length: threads }, () => new Worker(RAW_POOL, { execArgv: [] }));
  const waiting = workers.map(() => [] as ((value: unknown) => void)[]);
  workers.forEach((w, i) => w.on('message', (value) => waiting[i]!.shift()!(value)));
  let next = 0;
  const post = (message: unknown): Promise<unknown> => {
    const i = next;
    next = (next + 1) % threads;
    return new Promise((resolve) => {
      waiting[i]!.push(resolve);
      workers[i]!.postMessage(message);
    });
  };
  return {
    stamp: (buffer) => post({ stamps: buffer }),
    echo: (value) => post(value),
    block: (buffer) => post({ stamps: buffer, block: true }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function threadkitRunner(api: PoolApi, threads: number): Runner {
  const pool: Executor = new api.ThreadPoolExecutor({ maxWorkers: threads, minWorkers: threads });
  return {
    stamp: (buffer) => pool.submit(stampOnly, buffer),
    echo: (value) => pool.submit(echo, value),
    block: (buffer) => pool.submit(stampAndBlock, buffer),
    close: () => pool.shutdown(),
  };
}

function runner(impl: PoolImpl, api: PoolApi | undefined, threads: number): Runner {
  if (impl === 'threadkit') return threadkitRunner(api!, threads);
  if (impl === 'raw') return rawRunner(threads);
  const pool = createPool(impl, threads);
  return {
    stamp: (buffer) => pool.run('stampOnly', buffer).done,
    echo: (value) => pool.run('echo', value).done,
    block: (buffer) => pool.run('stampAndBlock', buffer).done,
    close: () => pool.destroy(),
  };
}

/** A started, warm pool: every worker up and every task run at least once on each. */
async function warm(impl: PoolImpl, api: PoolApi | undefined, threads: number): Promise<Runner> {
  const r = runner(impl, api, threads);
  for (let i = 0; i < 3; i++) {
    await Promise.all(Array.from({ length: 4 * threads }, (_, j) => r.echo({ id: j, name: `warm-${j}` })));
    await Promise.all(Array.from({ length: threads }, () => r.stamp(new Stamps(1).buffer)));
  }
  return r;
}

/** pool-task-start (µs): the call that submits → the task's first line, on an idle warm worker. */
async function taskStart(r: Runner, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    await delay(2); // the worker is idle, waiting for work, as a pool worker between tasks is
    const stamps = new Stamps(1);
    const t0 = now();
    const done = r.stamp(stamps.buffer);
    samples.push(elapsed(t0, await stamps.wait(0), 'us'));
    await done;
  }
  return samples;
}

/** pool-round-trip (µs): one `await submit(trivial)` after another, each timed. */
async function roundTrip(r: Runner, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await r.echo(i);
    samples.push(elapsed(t0, now(), 'us'));
  }
  return samples;
}

/** tiny-task-throughput (tasks/s): `count` trivial tasks submitted at once, then all awaited. */
async function throughput(r: Runner, count: number): Promise<number> {
  const t0 = now();
  const all = new Array<PromiseLike<unknown>>(count);
  for (let i = 0; i < count; i++) all[i] = r.echo(i);
  await Promise.all(all);
  return (count / elapsed(t0, now(), 'ms')) * 1000;
}

let gc: (() => void) | undefined;

/** The main thread's heapUsed + external after two full collections (gc exposed as test/leaks.test.ts does). */
const heap = (): number => {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

/** pool-queued-memory (MiB): main-side heap growth of `count` submits queued behind one busy worker. */
async function queuedMemory(r: Runner, count: number): Promise<number> {
  const busy = new Stamps(2);
  const blocker = r.block(busy.buffer);
  await busy.wait(0);
  const before = heap();
  const queued = new Array<PromiseLike<unknown>>(count);
  for (let i = 0; i < count; i++) queued[i] = r.echo(i);
  await delay(50); // whatever a pool does right after submit (dispatch, bookkeeping) has happened
  const added = (heap() - before) / MiB;
  busy.set(1);
  await Promise.all([blocker, ...queued]);
  return added;
}

export const pool: Group = async (ctx: Context) => {
  const api = poolApi(ctx, 'pool-*, tiny-task-throughput');
  const all = impls(ctx, true).filter((i) => i !== 'threadkit' || api);
  const cores = availableParallelism();
  const rounds = pick(ctx, 2, 5);

  // pool-task-start and pool-round-trip: a pool of one worker.
  const roundTrips = new Map<Impl, number[]>();
  const starts = await alternate(all, rounds, async (impl) => {
    const r = await warm(impl, api, 1);
    const samples = await taskStart(r, pick(ctx, 20, 60));
    roundTrips.set(impl, [...(roundTrips.get(impl) ?? []), ...(await roundTrip(r, pick(ctx, 200, 1000)))]);
    await r.close();
    return samples;
  });

  // tiny-task-throughput: one worker per core, one sample per pool.
  const tasks = pick(ctx, 20_000, 100_000);
  const rates = await alternate(all, pick(ctx, 2, 3), async (impl) => {
    const r = await warm(impl, api, cores);
    const rate = await throughput(r, tasks);
    await r.close();
    return [rate];
  });

  // pool-queued-memory: 10 000 submits behind one busy worker.
  const queued = 10_000;
  const memory = await alternate(all, pick(ctx, 2, 4), async (impl) => {
    const r = await warm(impl, api, 1);
    const added = await queuedMemory(r, queued);
    await r.close();
    return [added];
  });

  ctx.note(
    'pool-task-start: submit → first line of the task on an idle warm worker of a one-worker pool (2 ms idle before each); raw: postMessage → the handler of an idle Worker.',
  );
  ctx.note('pool-round-trip: sequential await of a trivial task on a one-worker pool; raw: postMessage → reply message.');
  ctx.note(
    `tiny-task-throughput: ${tasks} trivial tasks submitted at once, then all awaited, on ${cores} warm workers; raw: postMessage round-robin to ${cores} Workers.`,
  );
  ctx.note(
    `pool-queued-memory: main-thread heapUsed + external (after gc) added by ${queued} trivial submits queued behind one busy worker.`,
  );
  return [
    ...summarizeAll('pool-task-start', 'us', starts),
    ...summarizeAll('pool-round-trip', 'us', roundTrips),
    ...summarizeAll('tiny-task-throughput', 'tasks/s', rates),
    ...summarizeAll('pool-queued-memory', 'MiB', memory),
  ];
};
