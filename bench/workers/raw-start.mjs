// Raw Worker for thread-start, terminate and memory: stamps slot 0 on its first line, then spins or blocks.
import { workerData } from 'node:worker_threads';

const stamps = new BigInt64Array(workerData.stamps);
Atomics.store(stamps, 0, process.hrtime.bigint());
Atomics.notify(stamps, 0);
if (workerData.then === 'spin') for (;;);
else Atomics.wait(stamps, 1, 0n); // idle until slot 1 is set
