// Jobs of the distributed example (18-distributed.ts). They run on the hosts, which find this module by
// its path relative to their root (the same checkout on every machine). DEMO_HOST names the host.
import { cancelled, sleepSync, task } from 'threadkit';

const host = (): string => process.env.DEMO_HOST ?? `pid ${process.pid}`;

/** A trivial job: the square of `n`, and the host that computed it. */
export const square = task(import.meta.url, function square(n: number): { n: number; square: number; host: string } {
  return { n, square: n * n, host: host() };
});

/**
 * The seed's countdown as a job: prints `<label> on <host>: T-minus n` every `periodMs`, stops when
 * cancelled. Returns where it stopped, and when (ms since the epoch; one clock for every process here).
 */
export const countdown = task(import.meta.url, function countdown(label: string, n: number, periodMs: number) {
  while (!cancelled() && n > 0) {
    console.log(`${label} on ${host()}: T-minus ${n}`);
    n -= 1;
    sleepSync(periodMs);
  }
  return { label, stoppedAt: n, host: host(), endedAt: performance.timeOrigin + performance.now() };
});

/** A job that never checks for cancellation: only a deadline that replaces its worker ends it. */
export const spin = task(import.meta.url, function spin(label: string): never {
  console.log(`${label} on ${host()}: spinning in for (;;) {}`);
  for (;;);
});
