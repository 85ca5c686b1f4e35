// Raw Worker for lock-uncontended and lock-contended: a lock on one Int32 word (0 free, 1 held, 2 held with
// waiters; Drepper's "futex mutex"): compareExchange to take it, a short spin, then Atomics.wait; release
// stores 0 and notifies only when someone may be waiting.
import { parentPort, workerData } from 'node:worker_threads';

const word = new Int32Array(workerData.lock);
const SPINS = 100;

function acquire() {
  let c = Atomics.compareExchange(word, 0, 0, 1);
  if (c === 0) return;
  for (let i = 0; i < SPINS; i++) {
    c = Atomics.compareExchange(word, 0, 0, 1);
    if (c === 0) return;
  }
  if (c !== 2) c = Atomics.exchange(word, 0, 2);
  while (c !== 0) {
    Atomics.wait(word, 0, 2);
    c = Atomics.exchange(word, 0, 2);
  }
}

function release() {
  if (Atomics.exchange(word, 0, 0) === 2) Atomics.notify(word, 0, 1);
}

if (workerData.mode === 'uncontended') {
  // The plain spin-lock: compareExchange to take, store to release (no waiter can exist in one thread).
  const perOp = [];
  for (let r = 0; r < workerData.reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < workerData.iterations; i++) {
      while (Atomics.compareExchange(word, 0, 0, 1) !== 0);
      Atomics.store(word, 0, 0);
    }
    perOp.push(Number(process.hrtime.bigint() - t0) / workerData.iterations);
  }
  parentPort.postMessage(perOp);
} else {
  // Contended: park on slot 0 (go), then increment the shared counter under the lock; stamp slot 3 + index.
  const stamps = new BigInt64Array(workerData.stamps);
  const counter = new Int32Array(workerData.counter);
  const stamp = (i) => {
    Atomics.store(stamps, i, process.hrtime.bigint());
    Atomics.notify(stamps, i);
  };
  stamp(1 + workerData.index);
  Atomics.wait(stamps, 0, 0n);
  for (let i = 0; i < workerData.iterations; i++) {
    acquire();
    counter[0] = counter[0] + 1; // a plain read-modify-write: only the lock keeps it exact
    release();
  }
  stamp(3 + workerData.index);
}
