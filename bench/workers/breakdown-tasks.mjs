// threadkit task module of bench/breakdown.ts (JavaScript, so that its threads need no TypeScript loader).
import { cancelled, sleepSync, task } from 'threadkit';

/** ns per iteration of `f` (a loop of `n`), the best of `reps` runs. */
function bestOf(f, n, reps) {
  let min = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    f();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / n);
  }
  return min;
}

/** ns per operation of the parts of an uncontended acquireSync() + release(), best of `reps` loops of `n`. */
export const lockParts = task(import.meta.url, function lockParts(lock, n, reps) {
  const m = new Int32Array(new SharedArrayBuffer(8));
  let sink = 0;
  const best = (f) => bestOf(f, n, reps);
  const parts = {
    'Atomics.load': best(() => {
      for (let i = 0; i < n; i++) sink += Atomics.load(m, 0);
    }),
    'Atomics.compareExchange': best(() => {
      for (let i = 0; i < n; i++) sink += Atomics.compareExchange(m, 0, 0, 0);
    }),
    'cancelled() (the cancel check of every wait)': best(() => {
      for (let i = 0; i < n; i++) if (cancelled()) sink += 1;
    }),
    'raw lock: compareExchange 0→1, compareExchange 1→0': best(() => {
      for (let i = 0; i < n; i++) {
        Atomics.compareExchange(m, 0, 0, 1);
        Atomics.compareExchange(m, 0, 1, 0);
      }
    }),
    'lock.acquireSync() + lock.release()': best(() => {
      for (let i = 0; i < n; i++) {
        lock.acquireSync();
        lock.release();
      }
    }),
  };
  return sink === -1 ? {} : parts;
});

/** Stamps slot 0 (armed), blocks in `queue.getSync()` or `sleepSync()`, stamps slot 1 in its catch (woken). */
export const blockUntilCancelled = task(import.meta.url, function blockUntilCancelled(stamps, queue) {
  const s = new BigInt64Array(stamps);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
  try {
    if (queue === undefined) sleepSync(60_000);
    else queue.getSync();
  } catch {
    // CancelledError: what is measured
  }
  Atomics.store(s, 1, process.hrtime.bigint());
  Atomics.notify(s, 1);
});

/** Stamps slot 0 on its first line and returns: the parts of a pool round trip. */
export const stampAndReturn = task(import.meta.url, function stampAndReturn(stamps) {
  Atomics.store(new BigInt64Array(stamps), 0, process.hrtime.bigint());
  return 1;
});

/**
 * For each sample i: stamp armed (2i), wait, stamp woken (2i + 1). Even samples wait in
 * `events[i].waitSync()`, odd ones in a bare `Atomics.wait` on `flags[i]` (the raw reference).
 */
export const waitEach = task(import.meta.url, function waitEach(stamps, events, flagsBuffer) {
  const s = new BigInt64Array(stamps);
  const flags = new Int32Array(flagsBuffer);
  for (let i = 0; i < events.length; i++) {
    Atomics.store(s, 2 * i, process.hrtime.bigint());
    Atomics.notify(s, 2 * i);
    if (i % 2 === 0) events[i].waitSync();
    else while (Atomics.load(flags, i) === 0) Atomics.wait(flags, i, 0);
    Atomics.store(s, 2 * i + 1, process.hrtime.bigint());
    Atomics.notify(s, 2 * i + 1);
  }
});

/** ns per item of the parts of a queue's put + get on one thread (no waits), best of `reps` loops of `n`. */
export const queueParts = task(import.meta.url, async function queueParts(queue, n, reps) {
  const { serialize, deserialize } = await import('node:v8');
  const { MessageChannel, receiveMessageOnPort } = await import('node:worker_threads');
  const item = { id: 1, name: 'item-1' };
  let sink = 0;
  const best = (f) => bestOf(f, n, reps);
  const { port1, port2 } = new MessageChannel();
  const parts = {
    'v8.serialize + v8.deserialize of the item': best(() => {
      for (let i = 0; i < n; i++) sink += deserialize(serialize(item)).id;
    }),
    'MessagePort: postMessage + receiveMessageOnPort': best(() => {
      for (let i = 0; i < n; i++) {
        port1.postMessage(item);
        sink += receiveMessageOnPort(port2).message.id;
      }
    }),
    'queue.putSync() + queue.getSync()': best(() => {
      for (let i = 0; i < n; i++) {
        queue.putSync(item);
        sink += queue.getSync().id;
      }
    }),
  };
  port1.close();
  return sink === -1 ? {} : parts;
});
