// Tasks for the shared-object examples (recipes 12.2-12.4): an Event, a Queue and a Lock passed in args.
import { task, cancelled, sleepSync, type Event, type Lock, type Queue } from 'threadkit';

/** Recipe 12.2: says it has started through `started`, then counts down like the seed's task. */
export const countdown = task(import.meta.url, function countdown(n: number, started: Event, periodMs: number = 200): void {
  console.log('countdown starting');
  started.set();
  while (!cancelled() && n > 0) {
    console.log('T-minus', n);
    n -= 1;
    sleepSync(periodMs);
  }
});

/** The sentinel that tells a consumer to stop (an object would arrive as a copy, so a marker value). */
export const SENTINEL = '__end__';

/** Recipe 12.3: produces `n` readings into the queue, then the sentinel. Blocks while the queue is full. */
export const producer = task(import.meta.url, function producer(queue: Queue<number | string>, n: number): void {
  for (let i = 1; i <= n; i += 1) {
    queue.putSync(i * i);
    console.log(`producer: put ${i * i} (queue size ${queue.size})`);
  }
  queue.putSync(SENTINEL);
});

/** Recipe 12.3: consumes until the sentinel, which it puts back for any other consumer, as the recipe does. */
export const consumer = task(import.meta.url, function consumer(queue: Queue<number | string>): number {
  let total = 0;
  for (;;) {
    const item = queue.getSync();
    if (item === SENTINEL) {
      queue.putSync(SENTINEL);
      return total;
    }
    total += item as number;
    console.log(`consumer: got ${item}`);
    sleepSync(20); // a slow consumer: the bounded queue makes the producer wait
  }
});

/** Recipe 12.3, part two: waits for work that never comes; a cancel wakes it inside getSync(). */
export const idleConsumer = task(import.meta.url, function idleConsumer(queue: Queue<number>, waiting: Event): number {
  waiting.set();
  return queue.getSync();
});

/** Recipe 12.4: adds 1 to a shared counter `times` times, under `lock` when one is given. */
export const increment = task(import.meta.url, function increment(counter: Int32Array, times: number, lock?: Lock): void {
  for (let i = 0; i < times; i += 1) {
    if (lock === undefined) {
      counter[0] = counter[0]! + 1; // read, add, write: another thread can write in between
      continue;
    }
    using held = lock.holdSync();
    void held;
    counter[0] = counter[0]! + 1;
  }
});
