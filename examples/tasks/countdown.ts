// The seed's countdown task: prints `T-minus n` every period until it reaches zero or is cancelled.
import { task, cancelled, sleepSync } from 'threadkit';

/**
 * Counts down from `n`, printing `T-minus n` and sleeping `periodMs` between lines.
 * Stops early, without waiting for the rest of its sleep, when its thread is cancelled.
 * Runs the same inline, in a `Thread` or in a `Process`.
 */
export const countdown = task(import.meta.url, function countdown(n: number, periodMs: number = 300): void {
  while (!cancelled() && n > 0) {
    console.log('T-minus', n);
    n -= 1;
    sleepSync(periodMs);
  }
});
