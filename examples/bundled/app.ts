// The program examples/13-bundled.ts bundles with esbuild, threadkit inlined, and runs from another directory.
import { Process, Thread, ThreadPoolExecutor, cancelled, sleepSync } from 'threadkit';

// A thread that sleeps for a minute, woken by a cancel: plain functions call the in-thread functions as usual.
const started = new Int32Array(new SharedArrayBuffer(4));
const sleeper = new Thread({
  name: 'sleeper',
  target: (flag: Int32Array) => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    const slept = sleepSync(60_000);
    return `woke early: ${!slept}, cancelled() = ${cancelled()}`;
  },
  args: [started],
}).start();
while (Atomics.load(started, 0) === 0) await Atomics.waitAsync(started, 0, 0).value;
sleeper.cancel();
console.log(`[bundle] ${sleeper.name}: ${await sleeper.result()}`);

// The same task form in a child process: it gets threadkit's child entry from the bundle.
const child = new Process({ target: () => process.pid }).start();
console.log(`[bundle] a Process ran in pid ${await child.result()} (not ${process.pid}: another process)`);

const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
const squares: number[] = [];
for await (const square of pool.map((n: number) => n * n, [1, 2, 3, 4])) squares.push(square);
await pool.shutdown();
console.log(`[bundle] squares from a pool of two threads: ${squares.join(', ')}`);
