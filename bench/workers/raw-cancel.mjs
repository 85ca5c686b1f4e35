// Raw Worker for the cancel-wake metrics: the same steps as the threadkit target, on a bare Int32 flag.
// Stamp slots: 0 go (set by main), 1 parked, 2 armed, 3 woken (written here).
import { workerData } from 'node:worker_threads';

const stamps = new BigInt64Array(workerData.stamps);
const flag = new Int32Array(workerData.flag);
const stamp = (i) => {
  Atomics.store(stamps, i, process.hrtime.bigint());
  Atomics.notify(stamps, i);
};

stamp(1);
Atomics.wait(stamps, 0, 0n);
stamp(2);
if (workerData.mode === 'blocked') {
  Atomics.wait(flag, 0, 0, 60_000);
} else if (workerData.mode === 'async') {
  const timer = setTimeout(() => {}, 60_000); // a pending waitAsync alone does not keep a thread alive
  const r = Atomics.waitAsync(flag, 0, 0, 60_000);
  if (r.async) await r.value;
  clearTimeout(timer);
} else {
  while (Atomics.load(flag, 0) === 0);
}
stamp(3);
