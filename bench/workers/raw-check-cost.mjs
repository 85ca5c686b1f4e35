// Raw Worker for cancel-check-cost: nanoseconds per bare Atomics.load of a flag in a hot loop.
import { parentPort, workerData } from 'node:worker_threads';

const flag = new Int32Array(workerData.flag);
const perCheck = [];
let hits = 0;
for (let r = 0; r < workerData.reps; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < workerData.iterations; i++) if (Atomics.load(flag, 0) !== 0) hits++;
  perCheck.push(Number(process.hrtime.bigint() - t0) / workerData.iterations);
}
parentPort.postMessage({ perCheck, hits });
