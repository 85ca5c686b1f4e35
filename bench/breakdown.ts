// `npm run bench:breakdown`: where the time of the metrics that miss their goal goes (issue 15), measured
// through the public API, each part beside the whole it belongs to. Prints Markdown tables (medians of
// several rounds) for BENCHMARKS.md's "Where the time goes". About a minute on 2 cores; run it on an
// idle machine.
import { setTimeout as delay } from 'node:timers/promises';
import { Event, Lock, Queue, Thread, ThreadPoolExecutor } from 'threadkit';
import { blockUntilCancelled, lockParts, queueParts, stampAndReturn, waitEach } from './workers/breakdown-tasks.mjs';
import { Stamps, elapsed, now } from './lib/clock.ts';
import { median } from './lib/stats.ts';

const ROUNDS = 5;
const rows = (title: string, unit: string, parts: Record<string, number[]>): string =>
  [
    `\n#### ${title}\n`,
    `| part | median (${unit}) |`,
    '|---|---:|',
    ...Object.entries(parts).map(([k, v]) => `| ${k} | ${median(v).toFixed(unit === 'ns' ? 1 : 1)} |`),
  ].join('\n');

/** Collects each round's named figures into arrays. */
function collect(into: Record<string, number[]>, figures: Record<string, number>): void {
  for (const [k, v] of Object.entries(figures)) (into[k] ??= []).push(v);
}

async function lock(): Promise<string> {
  const parts: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++)
    collect(parts, await new Thread({ target: lockParts, args: [new Lock(), 1_000_000, 5] }).start().result());
  return rows('lock-uncontended: the parts of acquireSync() + release(), in a thread', 'ns', parts);
}

async function queue(): Promise<string> {
  const parts: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++)
    collect(parts, await new Thread({ target: queueParts, args: [new Queue(), 100_000, 5] }).start().result());
  return rows('queue-throughput: the parts of one item, on one thread (no waits)', 'ns', parts);
}

/** cancel() → the blocked task's catch, for the 1st (cold) and 3rd (warm) task of a one-worker pool. */
async function cancelColdWarm(): Promise<string> {
  const parts: Record<string, number[]> = {};
  for (let r = 0; r < 3 * ROUNDS; r++) {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const q = new Queue();
    for (const wait of ['getSync', 'sleepSync'] as const) {
      for (let k = 1; k <= 3; k++) {
        const stamps = new Stamps(2);
        const future = pool.submit(blockUntilCancelled, stamps.buffer, wait === 'getSync' ? q : undefined);
        await stamps.wait(0);
        await delay(5);
        const t0 = now();
        future.cancel();
        const woken = await stamps.wait(1);
        await future.then(
          () => {},
          () => {},
        );
        if (k !== 2)
          (parts[`${wait}, ${k === 1 ? "the worker's first cancel (cold)" : 'its third (warm)'}`] ??= []).push(elapsed(t0, woken, 'us'));
      }
    }
    await pool.shutdown();
  }
  return rows('cancel-blocked-get: cancel() → the task resumes in its catch, cold and warm', 'µs', parts);
}

/** Event.set() and a bare store + notify: the setter's call, and the woken thread's first line. */
async function eventWake(): Promise<string> {
  const n = 200;
  const parts: Record<string, number[]> = {};
  const stamps = new Stamps(2 * n);
  const flags = new Int32Array(new SharedArrayBuffer(4 * n));
  const events = Array.from({ length: n }, () => new Event());
  const thread = new Thread({ target: waitEach, args: [stamps.buffer, events, flags.buffer] }).start();
  for (let i = 0; i < n; i++) {
    await stamps.wait(2 * i);
    await delay(2);
    const t0 = now();
    if (i % 2 === 0) events[i]!.set();
    else {
      Atomics.store(flags, i, 1);
      Atomics.notify(flags, i);
    }
    const called = now();
    const woken = await stamps.wait(2 * i + 1);
    if (i < 20) continue; // warm-up
    const who = i % 2 === 0 ? 'event.set()' : 'raw: Atomics.store + Atomics.notify';
    (parts[`${who}: the call`] ??= []).push(elapsed(t0, called, 'us'));
    (parts[`${who} → the waiter's next line`] ??= []).push(elapsed(t0, woken, 'us'));
  }
  await thread.join();
  return rows('event-wake: the setter and the waiter (one thread waits; even samples an Event, odd ones a bare word)', 'µs', parts);
}

/** A trivial task on an idle one-worker pool: submit()'s own call, → the first line, → the await resumes. */
async function poolParts(): Promise<string> {
  const parts: Record<string, number[]> = {};
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  for (let i = 0; i < 20; i++) await pool.submit(stampAndReturn, new Stamps(1).buffer);
  for (const idle of [2, 0]) {
    for (let i = 0; i < 100; i++) {
      if (idle > 0) await delay(idle);
      const stamps = new Stamps(1);
      const t0 = now();
      const future = pool.submit(stampAndReturn, stamps.buffer);
      const submitted = now();
      await future;
      const resumed = now();
      const began = stamps.get(0);
      const label = idle > 0 ? `after ${idle} ms idle` : 'back to back';
      (parts[`${label}: submit() returns`] ??= []).push(elapsed(t0, submitted, 'us'));
      (parts[`${label}: → the task's first line`] ??= []).push(elapsed(t0, began, 'us'));
      (parts[`${label}: the first line → the await resumes`] ??= []).push(elapsed(began, resumed, 'us'));
    }
  }
  return rows('pool-task-start and pool-round-trip: the parts of one trivial task', 'µs', parts);
}

console.log(`Node ${process.version}`);
for (const part of [lock, queue, eventWake, cancelColdWarm, poolParts]) console.log(await part());
