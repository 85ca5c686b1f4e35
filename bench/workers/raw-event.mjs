// Raw Worker for event-wake: for each sample i, stamps "armed" (slot 2i), waits in Atomics.wait on flag i
// until main stores 1 and notifies, and stamps "woken" (slot 2i + 1) on its first line after the wait.
import { workerData } from 'node:worker_threads';

const stamps = new BigInt64Array(workerData.stamps);
const flags = new Int32Array(workerData.flags);
const stamp = (i) => {
  Atomics.store(stamps, i, process.hrtime.bigint());
  Atomics.notify(stamps, i);
};

for (let i = 0; i < flags.length; i++) {
  stamp(2 * i);
  Atomics.wait(flags, i, 0);
  stamp(2 * i + 1);
}
