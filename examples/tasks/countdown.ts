// The seed's countdown task: prints `T-minus n` every period until it reaches zero or is cancelled.
import { task, cancelled, sleepSync, type Event } from 'threadkit';

/**
 * Counts down from `n`, printing `T-minus n` and sleeping `periodMs` between lines.
 * Stops early, without waiting for the rest of its sleep, when its thread is cancelled.
 * Runs the same inline, in a `Thread` or in a `Process`. `started`, when given, is set once it has begun
 * (recipe 12.2: a thread tells the others it has started through an Event).
 */
export const countdown = task(import.meta.url, function countdown(n: number, periodMs: number = 300, started?: Event): void {
  started?.set();
  while (!cancelled() && n > 0) {
    console.log('T-minus', n);
    n -= 1;
    sleepSync(periodMs);
  }
});
