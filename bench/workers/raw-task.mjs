// Raw Worker for cancel-running-task: a reusable worker that runs a CPU-bound task checking a bare flag,
// answers 'cancelled' when the flag is set, and can run the next task at once.
import { parentPort } from 'node:worker_threads';
import { mix } from './kernel.mjs';

parentPort.on('message', ({ kind, stamps, flag }) => {
  const s = new BigInt64Array(stamps);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
  if (kind === 'stamp') return;
  const f = new Int32Array(flag);
  let x = 1;
  while (Atomics.load(f, 0) === 0) x = mix(x, 1000);
  parentPort.postMessage('cancelled');
});
