// Raw Workers for queue-throughput and queue-latency: small objects over a MessagePort.
// producer: parks (slot 1), waits for go (slot 0), posts `count` items. consumer: stamps slot 2 once it
// listens, counts items, stamps slot 3 at the last one and posts the sum of the ids. latency: for each
// sample i stamps "armed" (slot 2i), waits in Atomics.wait on flag i, takes the item with
// receiveMessageOnPort and stamps "woken" (slot 2i + 1): a blocking get built from bare primitives.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';

const { role, port, count } = workerData;
const stamps = new BigInt64Array(workerData.stamps);
const stamp = (i) => {
  Atomics.store(stamps, i, process.hrtime.bigint());
  Atomics.notify(stamps, i);
};

if (role === 'producer') {
  stamp(1);
  Atomics.wait(stamps, 0, 0n);
  for (let i = 0; i < count; i++) port.postMessage({ id: i, name: `item-${i}` });
  port.close();
} else if (role === 'consumer') {
  let received = 0;
  let sum = 0;
  port.on('message', (item) => {
    sum += item.id;
    if (++received === count) {
      stamp(3);
      parentPort.postMessage(sum);
      port.close();
    }
  });
  stamp(2);
} else {
  const flags = new Int32Array(workerData.flags);
  for (let i = 0; i < flags.length; i++) {
    stamp(2 * i);
    Atomics.wait(flags, i, 0);
    while (receiveMessageOnPort(port) === undefined); // posted before the notify: there at once
    stamp(2 * i + 1);
  }
  port.close();
}
