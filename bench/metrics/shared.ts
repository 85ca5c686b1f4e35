// event-wake, lock-uncontended, lock-contended, queue-throughput, queue-latency, process-queue-op,
// cancel-blocked-get: threadkit's shared objects (Event, Lock, Queue) next to the bare primitive doing the
// same job, with the same steps: Atomics.wait/notify on an Int32 word, a compareExchange spin-lock (with an
// Atomics.wait fallback when contended; workers/raw-lock.mjs), MessagePort postMessage between Workers,
// and a queue served by the parent over child-process IPC (workers/raw-ipc-child.mjs). The peer is the
// `multithreading` package (Node 22+), with the same steps on its own objects in tasks of its own pool
// (`spawn()`): a Mutex<Int32Array> with a Condvar (event-wake), its Mutex (lock-*), its channel (queue-*).
//
// Threads are started before anything is timed and park on a shared slot, so no thread start is in a
// figure; wake-up figures are stamped by the woken thread on its first line after the wait (one clock).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Condvar, Mutex, Receiver, Sender } from 'multithreading';
import { sharedApi, type SharedApi, type TkEvent, type TkLock, type TkQueue } from '../lib/api.ts';
import { Stamps, delay, elapsed, now } from '../lib/clock.ts';
import { type Context, type Group, impls, pick } from '../lib/context.ts';
import { loadMultithreading, type Multithreading } from '../lib/peers.ts';
import { summarizeAll, type Impl, type Result } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';
import { batch, startRaw, type Parked } from './cancel-wake.ts';

const RAW_EVENT = new URL('../workers/raw-event.mjs', import.meta.url);
const RAW_LOCK = new URL('../workers/raw-lock.mjs', import.meta.url);
const RAW_QUEUE = new URL('../workers/raw-queue.mjs', import.meta.url);
const RAW_IPC_CHILD = fileURLToPath(new URL('../workers/raw-ipc-child.mjs', import.meta.url));

interface Item {
  id: number;
  name: string;
}

// ---- threadkit targets (plain functions: self-contained, they see only their arguments) ----

/** event-wake: for each sample i, stamp armed (2i), block in events[i].waitSync(), stamp woken (2i + 1). */
function eventWaiter(buffer: SharedArrayBuffer, events: TkEvent[]): void {
  const s = new BigInt64Array(buffer);
  for (let i = 0; i < events.length; i++) {
    Atomics.store(s, 2 * i, process.hrtime.bigint());
    Atomics.notify(s, 2 * i);
    events[i]!.waitSync();
    Atomics.store(s, 2 * i + 1, process.hrtime.bigint());
    Atomics.notify(s, 2 * i + 1);
  }
}

/** queue-latency: for each sample i, stamp armed (2i), block in queue.getSync(), stamp woken (2i + 1). */
function queueWaiter(buffer: SharedArrayBuffer, queue: TkQueue<Item>, count: number): void {
  const s = new BigInt64Array(buffer);
  for (let i = 0; i < count; i++) {
    Atomics.store(s, 2 * i, process.hrtime.bigint());
    Atomics.notify(s, 2 * i);
    queue.getSync();
    Atomics.store(s, 2 * i + 1, process.hrtime.bigint());
    Atomics.notify(s, 2 * i + 1);
  }
}

/** lock-uncontended: `reps` timed loops of `iterations` acquire+release; ns per pair of each loop. */
function timeLock(lock: TkLock, iterations: number, reps: number): number[] {
  const perOp: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      lock.acquireSync();
      lock.release();
    }
    perOp.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return perOp;
}

/** lock-contended: park (slot 1 + index), wait for go (slot 0), increment under the lock, stamp 3 + index. */
function contend(buffer: SharedArrayBuffer, counter: SharedArrayBuffer, lock: TkLock, index: number, iterations: number): void {
  const s = new BigInt64Array(buffer);
  const c = new Int32Array(counter);
  Atomics.store(s, 1 + index, process.hrtime.bigint());
  Atomics.notify(s, 1 + index);
  Atomics.wait(s, 0, 0n);
  for (let i = 0; i < iterations; i++) {
    lock.acquireSync();
    c[0] = c[0]! + 1; // a plain read-modify-write: only the lock keeps it exact
    lock.release();
  }
  Atomics.store(s, 3 + index, process.hrtime.bigint());
  Atomics.notify(s, 3 + index);
}

/** queue-throughput producer: park (slot 1), wait for go (slot 0), put `count` items. */
function produce(buffer: SharedArrayBuffer, queue: TkQueue<Item>, count: number): void {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 1, process.hrtime.bigint());
  Atomics.notify(s, 1);
  Atomics.wait(s, 0, 0n);
  for (let i = 0; i < count; i++) queue.putSync({ id: i, name: `item-${i}` });
}

/** queue-throughput consumer: stamp slot 2, get `count` items, stamp slot 3; returns the sum of the ids. */
function consume(buffer: SharedArrayBuffer, queue: TkQueue<Item>, count: number): number {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 2, process.hrtime.bigint());
  Atomics.notify(s, 2);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += queue.getSync().id;
  Atomics.store(s, 3, process.hrtime.bigint());
  Atomics.notify(s, 3);
  return sum;
}

/** process-queue-op: `count` timed putSync + getSync pairs from inside a Process; µs each. */
function queueOps(queue: TkQueue<Item>, count: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    queue.putSync({ id: i, name: `item-${i}` });
    queue.getSync();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return samples;
}

/** cancel-blocked-get: the cancel-wake steps (park, armed, wait, woken) with queue.getSync() as the wait. */
function blockedGet(buffer: SharedArrayBuffer, queue: TkQueue<Item>): void {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 1, process.hrtime.bigint());
  Atomics.notify(s, 1);
  Atomics.wait(s, 0, 0n);
  Atomics.store(s, 2, process.hrtime.bigint());
  Atomics.notify(s, 2);
  try {
    queue.getSync();
  } catch {
    // CancelledError: the wait was woken by the cancel, which is what is measured
  }
  Atomics.store(s, 3, process.hrtime.bigint());
  Atomics.notify(s, 3);
}

// ---- multithreading targets (run by its spawn(): stringified, so self-contained like the above) ----
// The stamps buffer travels inside a plain object: move() warns about a bare SharedArrayBuffer (it
// wants shared data behind its locks), and these slots are the harness's, not the data under test.

type Flags = Mutex<Int32Array<SharedArrayBuffer>>;

/** event-wake: for each sample i, stamp armed (2i), wait on the Condvar until flags[i] is set, stamp woken (2i + 1). */
function mtEventWaiter(shared: { stamps: SharedArrayBuffer }, flags: Flags, cv: Condvar, count: number): void {
  const s = new BigInt64Array(shared.stamps);
  for (let i = 0; i < count; i++) {
    Atomics.store(s, 2 * i, process.hrtime.bigint());
    Atomics.notify(s, 2 * i);
    const guard = flags.blockingLock();
    while (guard.value[i] === 0) cv.blockingWait(guard);
    Atomics.store(s, 2 * i + 1, process.hrtime.bigint());
    Atomics.notify(s, 2 * i + 1);
    guard.dispose();
  }
}

/** lock-uncontended: `reps` timed loops of `iterations` blockingLock() + dispose(); ns per pair of each loop. */
function mtTimeLock(mutex: Mutex, iterations: number, reps: number): number[] {
  const perOp: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) mutex.blockingLock().dispose();
    perOp.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return perOp;
}

/** lock-contended: park (slot 1 + index), wait for go (slot 0), increment the counter under its Mutex, stamp 3 + index. */
function mtContend(shared: { stamps: SharedArrayBuffer }, counter: Flags, index: number, iterations: number): void {
  const s = new BigInt64Array(shared.stamps);
  Atomics.store(s, 1 + index, process.hrtime.bigint());
  Atomics.notify(s, 1 + index);
  Atomics.wait(s, 0, 0n);
  for (let i = 0; i < iterations; i++) {
    const guard = counter.blockingLock();
    guard.value[0] = guard.value[0]! + 1; // a plain read-modify-write: only the lock keeps it exact
    guard.dispose();
  }
  Atomics.store(s, 3 + index, process.hrtime.bigint());
  Atomics.notify(s, 3 + index);
}

/** queue-throughput producer: park (slot 1), wait for go (slot 0), blockingSend() `count` items. */
function mtProduce(shared: { stamps: SharedArrayBuffer }, tx: Sender<Item>, count: number): void {
  const s = new BigInt64Array(shared.stamps);
  Atomics.store(s, 1, process.hrtime.bigint());
  Atomics.notify(s, 1);
  Atomics.wait(s, 0, 0n);
  for (let i = 0; i < count; i++) {
    const sent = tx.blockingSend({ id: i, name: `item-${i}` });
    if (!sent.ok) throw sent.error;
  }
}

/** queue-throughput consumer: stamp slot 2, blockingRecv() `count` items, stamp slot 3; returns the sum of the ids. */
function mtConsume(shared: { stamps: SharedArrayBuffer }, rx: Receiver<Item>, count: number): number {
  const s = new BigInt64Array(shared.stamps);
  Atomics.store(s, 2, process.hrtime.bigint());
  Atomics.notify(s, 2);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const got = rx.blockingRecv();
    if (!got.ok) throw got.error;
    sum += got.value.id;
  }
  Atomics.store(s, 3, process.hrtime.bigint());
  Atomics.notify(s, 3);
  return sum;
}

/** queue-latency: for each sample i, stamp armed (2i), block in rx.blockingRecv(), stamp woken (2i + 1). */
function mtQueueWaiter(shared: { stamps: SharedArrayBuffer }, rx: Receiver<Item>, count: number): void {
  const s = new BigInt64Array(shared.stamps);
  for (let i = 0; i < count; i++) {
    Atomics.store(s, 2 * i, process.hrtime.bigint());
    Atomics.notify(s, 2 * i);
    const got = rx.blockingRecv();
    if (!got.ok) throw got.error;
    Atomics.store(s, 2 * i + 1, process.hrtime.bigint());
    Atomics.notify(s, 2 * i + 1);
  }
}

// ---- helpers ----

const item = (i: number): Item => ({ id: i, name: `item-${i}` });

/** A multithreading task's value; rejects with its error (join() resolves a Result, never rejects). */
async function joined<T>(handle: { join(): Promise<{ ok: true; value: T } | { ok: false; error: Error }> }): Promise<T> {
  const r = await handle.join();
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * Runs `measure` on a fresh multithreading pool of `workers` threads, as each round of threadkit and raw
 * starts fresh threads: initRuntime() before its first spawn(), shutdown() (which ends its workers) after.
 */
async function onPool<T>(mt: Multithreading, workers: number, measure: () => Promise<T>): Promise<T> {
  mt.initRuntime({ maxWorkers: workers });
  try {
    return await measure();
  } finally {
    mt.shutdown();
  }
}

/** Resolves when the worker exits; rejects on its error. */
const exited = (w: Worker): Promise<unknown> => new Promise((resolve, reject) => w.once('exit', resolve).once('error', reject));

/**
 * The wake-up harness of event-wake and queue-latency: one thread takes `count` samples in turn; for each,
 * main waits for "armed" (2i), lets the thread enter its wait (5 ms), stamps t0, calls `wake(i)`, and
 * blocks until "woken" (2i + 1), so that it leaves the CPU to the woken thread.
 */
async function wakeSamples(stamps: Stamps, count: number, wake: (i: number) => void | Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    await stamps.wait(2 * i);
    await delay(5);
    const t0 = now();
    await wake(i);
    stamps.block(2 * i + 1, 100); // falls through to the async wait if the wake needs this event loop
    samples.push(elapsed(t0, await stamps.wait(2 * i + 1), 'us'));
  }
  return samples;
}

// ---- metrics ----

async function eventWake(ctx: Context, api: SharedApi | undefined, mt: Multithreading | undefined, all: Impl[]): Promise<Result[]> {
  const count = pick(ctx, 20, 100);
  const samples = await alternate(all, pick(ctx, 2, 5), async (impl) => {
    const stamps = new Stamps(2 * count);
    if (impl === 'multithreading') {
      // An event from its primitives, as Python's threading.Event is built: a flag under a Mutex, a Condvar.
      const flags = new mt!.Mutex(new Int32Array(new SharedArrayBuffer(4 * count)));
      const cv = new mt!.Condvar();
      return onPool(mt!, 1, async () => {
        const waiter = mt!.spawn(mt!.move({ stamps: stamps.buffer }, flags, cv, count), mtEventWaiter);
        const s = await wakeSamples(stamps, count, async (i) => {
          const guard = await flags.lock();
          guard.value[i] = 1;
          guard.dispose();
          cv.notifyAll();
        });
        await joined(waiter);
        return s;
      });
    }
    if (impl === 'threadkit') {
      const events = Array.from({ length: count }, () => new api!.Event());
      const thread = new ctx.tk!.Thread({ target: eventWaiter, args: [stamps.buffer, events], daemon: true }).start();
      const s = await wakeSamples(stamps, count, (i) => events[i]!.set());
      await thread.join();
      return s;
    }
    const flags = new Int32Array(new SharedArrayBuffer(4 * count));
    const worker = new Worker(RAW_EVENT, { workerData: { stamps: stamps.buffer, flags: flags.buffer }, execArgv: [] });
    const ended = exited(worker);
    const s = await wakeSamples(stamps, count, (i) => {
      Atomics.store(flags, i, 1);
      Atomics.notify(flags, i);
    });
    await ended;
    return s;
  });
  return summarizeAll('event-wake', 'us', samples);
}

async function lockUncontended(ctx: Context, api: SharedApi | undefined, mt: Multithreading | undefined, all: Impl[]): Promise<Result[]> {
  const iterations = 100_000;
  const reps = pick(ctx, 10, 40);
  const samples = await alternate(all, pick(ctx, 2, 5), async (impl) => {
    let perOp: number[];
    if (impl === 'multithreading') {
      const mutex = new mt!.Mutex();
      perOp = await onPool(mt!, 1, () => joined(mt!.spawn(mt!.move(mutex, iterations, reps), mtTimeLock)));
    } else if (impl === 'threadkit') {
      const thread = new ctx.tk!.Thread({ target: timeLock, args: [new api!.Lock(), iterations, reps] }).start();
      perOp = await thread.result();
    } else {
      const lock = new SharedArrayBuffer(4);
      const worker = new Worker(RAW_LOCK, { workerData: { mode: 'uncontended', lock, iterations, reps }, execArgv: [] });
      perOp = await new Promise<number[]>((resolve, reject) => worker.once('message', resolve).once('error', reject));
    }
    return perOp.slice(2); // the first loops run before the JIT has optimized the loop
  });
  return summarizeAll('lock-uncontended', 'ns', samples);
}

async function lockContended(ctx: Context, api: SharedApi | undefined, mt: Multithreading | undefined, all: Impl[]): Promise<Result[]> {
  const iterations = pick(ctx, 20_000, 100_000);
  const perRound = pick(ctx, 2, 3);
  const samples = await alternate(all, pick(ctx, 2, 4), async (impl) => {
    const rates: number[] = [];
    for (let n = 0; n < perRound; n++) {
      const stamps = new Stamps(5);
      const counter = new SharedArrayBuffer(4);
      let ended: Promise<unknown>;
      if (impl === 'multithreading') {
        mt!.initRuntime({ maxWorkers: 2 }); // one worker per task: both block; shut down below
        const guarded = new mt!.Mutex(new Int32Array(counter));
        const tasks = [0, 1].map((index) => mt!.spawn(mt!.move({ stamps: stamps.buffer }, guarded, index, iterations), mtContend));
        ended = Promise.all(tasks.map(joined)).finally(() => mt!.shutdown());
      } else if (impl === 'threadkit') {
        const lock = new api!.Lock();
        const threads = [0, 1].map((index) =>
          new ctx.tk!.Thread({ target: contend, args: [stamps.buffer, counter, lock, index, iterations] }).start(),
        );
        ended = Promise.all(threads.map((t) => t.result()));
      } else {
        const lock = new SharedArrayBuffer(4);
        const workers = [0, 1].map(
          (index) =>
            new Worker(RAW_LOCK, {
              workerData: { mode: 'contended', lock, stamps: stamps.buffer, counter, index, iterations },
              execArgv: [],
            }),
        );
        ended = Promise.all(workers.map(exited));
      }
      await Promise.all([stamps.wait(1), stamps.wait(2)]);
      const t0 = now();
      stamps.set(0);
      const [a, b] = await Promise.all([stamps.wait(3), stamps.wait(4)]);
      await ended;
      const total = new Int32Array(counter)[0];
      if (total !== 2 * iterations)
        throw new Error(`lock-contended (${impl}): the counter is ${total}, expected ${2 * iterations}: the lock let an update through`);
      rates.push((2 * iterations) / (elapsed(t0, a > b ? a : b, 'ms') / 1000));
    }
    return rates;
  });
  return summarizeAll('lock-contended', 'acq/s', samples);
}

async function queueThroughput(ctx: Context, api: SharedApi | undefined, mt: Multithreading | undefined, all: Impl[]): Promise<Result[]> {
  const count = pick(ctx, 20_000, 100_000);
  const expected = (count * (count - 1)) / 2;
  const samples = await alternate(all, pick(ctx, 3, 6), async (impl) => {
    const stamps = new Stamps(4);
    let sum: Promise<unknown>;
    let ended: Promise<unknown>;
    if (impl === 'multithreading') {
      mt!.initRuntime({ maxWorkers: 2 }); // one worker per task: both block; shut down below
      const [tx, rx] = mt!.channel<Item>(); // its default capacity, 32 items
      const producer = mt!.spawn(mt!.move({ stamps: stamps.buffer }, tx, count), mtProduce);
      const consumer = mt!.spawn(mt!.move({ stamps: stamps.buffer }, rx, count), mtConsume);
      sum = joined(consumer);
      ended = Promise.all([joined(producer), sum]).finally(() => mt!.shutdown());
    } else if (impl === 'threadkit') {
      const queue = new api!.Queue<Item>();
      const producer = new ctx.tk!.Thread({ target: produce, args: [stamps.buffer, queue, count] }).start();
      const consumer = new ctx.tk!.Thread({ target: consume, args: [stamps.buffer, queue, count] }).start();
      sum = consumer.result();
      ended = Promise.all([producer.result(), sum]);
    } else {
      const { port1, port2 } = new MessageChannel();
      const data = (role: string, port: unknown) => ({
        workerData: { role, port, count, stamps: stamps.buffer },
        transferList: [port] as never[],
        execArgv: [],
      });
      const producer = new Worker(RAW_QUEUE, data('producer', port1));
      const consumer = new Worker(RAW_QUEUE, data('consumer', port2));
      sum = new Promise((resolve, reject) => consumer.once('message', resolve).once('error', reject));
      ended = Promise.all([exited(producer), exited(consumer)]);
    }
    await Promise.all([stamps.wait(1), stamps.wait(2)]);
    const t0 = now();
    stamps.set(0);
    const done = await stamps.wait(3);
    if ((await sum) !== expected)
      throw new Error(`queue-throughput (${impl}): the consumer's ids sum to ${String(await sum)}, expected ${expected}`);
    await ended;
    return [count / (elapsed(t0, done, 'ms') / 1000)];
  });
  return summarizeAll('queue-throughput', 'items/s', samples);
}

async function queueLatency(ctx: Context, api: SharedApi | undefined, mt: Multithreading | undefined, all: Impl[]): Promise<Result[]> {
  const count = pick(ctx, 20, 100);
  const samples = await alternate(all, pick(ctx, 2, 5), async (impl) => {
    const stamps = new Stamps(2 * count);
    if (impl === 'multithreading') {
      const [tx, rx] = mt!.channel<Item>();
      return onPool(mt!, 1, async () => {
        const waiter = mt!.spawn(mt!.move({ stamps: stamps.buffer }, rx, count), mtQueueWaiter);
        const s = await wakeSamples(stamps, count, async (i) => {
          const sent = await tx.send(item(i));
          if (!sent.ok) throw sent.error;
        });
        await joined(waiter);
        return s;
      });
    }
    if (impl === 'threadkit') {
      const queue = new api!.Queue<Item>();
      const thread = new ctx.tk!.Thread({ target: queueWaiter, args: [stamps.buffer, queue, count], daemon: true }).start();
      const s = await wakeSamples(stamps, count, (i) => queue.put(item(i)));
      await thread.join();
      return s;
    }
    const flags = new Int32Array(new SharedArrayBuffer(4 * count));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(RAW_QUEUE, {
      workerData: { role: 'latency', port: port2, stamps: stamps.buffer, flags: flags.buffer },
      transferList: [port2],
      execArgv: [],
    });
    const ended = exited(worker);
    const s = await wakeSamples(stamps, count, (i) => {
      port1.postMessage(item(i));
      Atomics.store(flags, i, 1);
      Atomics.notify(flags, i);
    });
    await ended;
    port1.close();
    return s;
  });
  return summarizeAll('queue-latency', 'us', samples);
}

async function processQueueOp(ctx: Context, api: SharedApi | undefined, all: Impl[]): Promise<Result[]> {
  const count = pick(ctx, 100, 500);
  const warmup = 20;
  let impls = all;
  const samples = await alternate(all, pick(ctx, 2, 4), async (impl) => {
    if (impl === 'threadkit') {
      if (!impls.includes('threadkit')) return [];
      const queue = new api!.Queue<Item>();
      const p = new ctx.tk!.Process({ target: queueOps, args: [queue, count + warmup] });
      try {
        p.start();
        return (await p.result(60_000)).slice(warmup); // a hang is a failure too
      } catch (error) {
        ctx.note(`process-queue-op: threadkit skipped: a Queue used from a Process failed: ${(error as Error).message}`);
        impls = impls.filter((i) => i !== 'threadkit');
        await p.terminate().catch(() => {});
        return [];
      }
    }
    const child = fork(RAW_IPC_CHILD, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await once(child, 'message'); // { started }
    const stored: unknown[] = [];
    const result = new Promise<number[]>((resolve) => {
      child.on('message', (m: { put?: unknown; get?: true; samples?: number[] }) => {
        if (m.samples) resolve(m.samples);
        else if (m.put !== undefined) {
          stored.push(m.put);
          child.send({ ok: true });
        } else if (m.get) child.send({ item: stored.shift() });
      });
    });
    child.send({ run: count + warmup });
    const s = (await result).slice(warmup);
    const gone = once(child, 'exit');
    child.kill('SIGKILL');
    await gone;
    return s;
  });
  return summarizeAll('process-queue-op', 'us', samples);
}

async function cancelBlockedGet(ctx: Context, api: SharedApi | undefined, all: Impl[]): Promise<Result[]> {
  const size = pick(ctx, 5, 25);
  const samples = await alternate(all, pick(ctx, 2, 12), (impl) => {
    if (impl !== 'threadkit') return batch(() => startRaw('blocked'), size);
    const queue = new api!.Queue<Item>();
    return batch((): Parked => {
      const stamps = new Stamps(4);
      const thread = new ctx.tk!.Thread({ target: blockedGet, args: [stamps.buffer, queue], daemon: true }).start();
      return { stamps, cancel: () => thread.cancel(), ended: () => thread.join() };
    }, size);
  });
  return summarizeAll('cancel-blocked-get', 'us', samples);
}

export const shared: Group = async (ctx) => {
  const api = sharedApi(ctx, 'event-wake, lock-*, queue-*, process-queue-op, cancel-blocked-get');
  const all: Impl[] = impls(ctx, false).filter((i) => i !== 'threadkit' || api);
  const loaded = await loadMultithreading();
  const mt = 'mt' in loaded ? loaded.mt : undefined;
  if (!mt)
    ctx.note(`multithreading (the shared-object peer) was skipped: ${(loaded as { error: string }).error}; it needs Node 22 or later.`);
  const withPeer: Impl[] = mt ? [...all, 'multithreading'] : all;
  const results = [
    ...(await eventWake(ctx, api, mt, withPeer)),
    ...(await lockUncontended(ctx, api, mt, withPeer)),
    ...(await lockContended(ctx, api, mt, withPeer)),
    ...(await queueThroughput(ctx, api, mt, withPeer)),
    ...(await queueLatency(ctx, api, mt, withPeer)),
    ...(await processQueueOp(ctx, api, all)),
    ...(await cancelBlockedGet(ctx, api, all)),
  ];
  ctx.note(
    'event-wake: set() → the first line after waitSync() in a thread blocked 5 ms; raw: Atomics.notify → Atomics.wait in a Worker. queue-latency: await queue.put() → the thread blocked in getSync() returns; raw: postMessage + Atomics.notify → Atomics.wait, then receiveMessageOnPort.',
  );
  ctx.note(
    'lock-uncontended: ns per acquireSync()+release() in one thread (loops of 100 000); raw: compareExchange spin-lock. lock-contended: 2 threads incrementing a plain counter under the lock, acquisitions/s (the counter is checked exact); raw: spin then Atomics.wait/notify (futex mutex).',
  );
  ctx.note(
    'queue-throughput: a producer thread putSync()s { id, name } items, a consumer thread getSync()s them (default maxBytes); raw: postMessage of the same items between two Workers over a MessagePort. process-queue-op: one putSync + getSync in a Process (served by the parent); raw: two IPC round trips to a parent that holds the items.',
  );
  ctx.note(
    'cancel-blocked-get: cancel() → a thread blocked in queue.getSync() resumes (in its catch); the cancel-wake harness (fresh thread per sample); raw: the same Atomics.notify → Atomics.wait wake as cancel-blocked-sleep.',
  );
  if (mt)
    ctx.note(
      "multithreading: tasks of its own pool (spawn(move(...), fn); a fresh pool per round, shut down after it), its sync API in the tasks. event-wake: a flag per sample in a Mutex<Int32Array>, the task waits in Condvar.blockingWait(guard) until its flag is set; main: await mutex.lock(), set the flag, dispose(), notifyAll(). lock-uncontended: Mutex.blockingLock() + guard.dispose(). lock-contended: the counter is the Mutex's Int32Array, guard.value[0] += 1. queue-throughput: channel() (default capacity, 32) blockingSend() → blockingRecv(). queue-latency: await tx.send(item) → blockingRecv() returns. No equivalent: process-queue-op (it has no processes) and cancel-blocked-get (JoinHandle.abort() settles only the caller's promise: nothing reaches a task blocked in blockingRecv()). Its workers inherit the benchmark's execArgv (spawn() takes no Worker options), so they load the tsx loader; no import is on a timed path.",
    );
  return results;
};
