// The seed's countdown as a pool task: labelled, it notes when it began and says where it ran and where it stopped.
import { task, cancelled, currentThread, sleepSync } from 'threadkit';

/**
 * Counts down from `n` like the seed's countdown, printing `<label>: T-minus n`. Stores the time
 * it began (ms since the epoch, sub-millisecond) in `began[slot]`, so the program can see how soon
 * after a cancel the next task ran. Returns the worker it ran on and the count it stopped at.
 */
export const poolCountdown = task(
  import.meta.url,
  function poolCountdown(label: string, n: number, periodMs: number, began: Float64Array, slot: number) {
    began[slot] = performance.timeOrigin + performance.now();
    while (!cancelled() && n > 0) {
      console.log(`${label}: T-minus ${n}`);
      n -= 1;
      sleepSync(periodMs);
    }
    const { name, ident } = currentThread();
    return { label, worker: name, ident, stoppedAt: n, cancelled: cancelled() };
  },
);
