// Recipe 12.3: communicating between threads. A producer and a consumer thread share a bounded Queue.
import { Event, Queue, Thread } from 'threadkit';
import { consumer, idleConsumer, producer } from './tasks/shared.ts';

// Python: q = Queue(maxsize=2); the producer blocks in put() while the consumer is behind.
const q = new Queue<number | string>({ maxSize: 2 });
const c = new Thread({ name: 'consumer', target: consumer, args: [q] }).start();
const p = new Thread({ name: 'producer', target: producer, args: [q, 5] }).start();
await p.join();
const total = await c.result();
console.log(`stopped by the sentinel: consumer total = ${total} (1 + 4 + 9 + 16 + 25 = 55)`);

// A consumer blocked in getSync() on an empty queue: cancel() wakes it at once, and no item is lost.
const empty = new Queue<number>();
const waiting = new Event();
const idle = new Thread({ name: 'idle-consumer', target: idleConsumer, args: [empty, waiting] }).start();
await waiting.wait(); // it is about to block in getSync()
await new Promise((resolve) => setTimeout(resolve, 50)); // let it block there (a cancel before would end it as fast)
const t0 = performance.now();
idle.cancel('no more work');
await idle.join();
console.log(`cancel() -> idle-consumer ended '${idle.outcome?.status}' in ${(performance.now() - t0).toFixed(1)} ms`);
await empty.put(7);
console.log(`the queue still works: size ${empty.size}, get() -> ${await empty.get()}`);
