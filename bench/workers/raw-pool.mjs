// Raw Worker for the pool metrics: the bare job of a pool worker, answering each message in turn.
// { stamps } stamps slot 0 and answers 0 (pool-task-start); { stamps, block } stamps slot 0, then blocks
// until slot 1 is set (a busy worker); anything else is posted back as it came (round trip, throughput).
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (m) => {
  if (m !== null && typeof m === 'object' && m.stamps instanceof SharedArrayBuffer) {
    const s = new BigInt64Array(m.stamps);
    Atomics.store(s, 0, process.hrtime.bigint());
    Atomics.notify(s, 0);
    if (m.block) Atomics.wait(s, 1, 0n);
    parentPort.postMessage(0);
  } else {
    parentPort.postMessage(m);
  }
});
