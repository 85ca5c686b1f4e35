// Timestamps shared across threads: process.hrtime.bigint() is one monotonic clock for every thread of a
// process and, on Linux (CLOCK_MONOTONIC), for its child processes too, so the side that wakes up writes
// the time it woke and the measuring side subtracts the time it acted.
import { setTimeout as delay } from 'node:timers/promises';

export const now = (): bigint => process.hrtime.bigint();

/** Nanoseconds between two hrtime readings, as a number in the given unit. */
export function elapsed(from: bigint, to: bigint, unit: 'ns' | 'us' | 'ms'): number {
  const ns = Number(to - from);
  return unit === 'ns' ? ns : unit === 'us' ? ns / 1e3 : ns / 1e6;
}

/**
 * A small SharedArrayBuffer of BigInt64 slots. A slot is 0n until its writer stores a timestamp
 * (`Atomics.store(slots, i, process.hrtime.bigint()); Atomics.notify(slots, i)`), or 1n for a plain flag.
 */
export class Stamps {
  readonly buffer: SharedArrayBuffer;
  readonly slots: BigInt64Array;

  constructor(count: number) {
    this.buffer = new SharedArrayBuffer(count * BigInt64Array.BYTES_PER_ELEMENT);
    this.slots = new BigInt64Array(this.buffer);
  }

  get(i: number): bigint {
    return Atomics.load(this.slots, i);
  }

  /** Sets slot `i` to `value` and wakes whoever waits on it. */
  set(i: number, value: bigint = 1n): void {
    Atomics.store(this.slots, i, value);
    Atomics.notify(this.slots, i);
  }

  /**
   * Blocks this thread until slot `i` is no longer 0n or `timeoutMs` passes; returns whether it was set.
   * Used right after an action under measurement, so that the measuring thread leaves the CPU at once
   * instead of running its event loop while the thread being measured wants to run.
   */
  block(i: number, timeoutMs: number): boolean {
    return Atomics.wait(this.slots, i, 0n, timeoutMs) !== 'timed-out';
  }

  /**
   * Resolves with slot `i` once it is no longer 0n, without blocking this thread's event loop.
   * @throws Error when `timeoutMs` passes first (a benchmark that hangs is a broken benchmark).
   */
  async wait(i: number, timeoutMs = 30_000): Promise<bigint> {
    const r = Atomics.waitAsync(this.slots, i, 0n);
    if (r.async) {
      // A pending waitAsync does not keep the event loop alive; this timer does (and bounds the wait).
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for stamp slot ${i}`)), timeoutMs);
      });
      try {
        await Promise.race([r.value, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    return this.get(i);
  }
}

/** Waits until `check()` is true, polling every millisecond (for state that has no event). */
export async function until(check: () => boolean, timeoutMs = 30_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(1);
  }
}

export { delay };
