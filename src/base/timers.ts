// The one timer of every user-given duration (timeoutMs, graceMs, idleTimeoutMs, sleep's ms): Node's
// setTimeout fires after 1 ms (with a TimeoutOverflowWarning) for a delay above 2**31 - 1 ms, so a
// longer one is chained in chunks of at most that, and `Infinity` never fires (API.md section 12).

/** The longest delay setTimeout honours: 2**31 - 1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** What longTimeout() returns: cleared by clearLongTimeout(); ref()/unref() as a Node timer's. */
export interface LongTimer {
  ref(): LongTimer;
  unref(): LongTimer;
}

/** A delay above MAX_TIMER_MS (Infinity included): one setTimeout per chunk, the next armed when one ends. */
class ChainedTimer implements LongTimer {
  #left: number;
  #timer: NodeJS.Timeout | undefined;
  #reffed = true;
  readonly #fn: () => void;

  constructor(fn: () => void, ms: number) {
    this.#fn = fn;
    this.#left = ms;
    this.#arm();
  }

  #arm(): void {
    const chunk = Math.min(this.#left, MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#left -= chunk;
      if (this.#left > 0) this.#arm();
      else {
        this.#timer = undefined;
        this.#fn();
      }
    }, chunk);
    if (!this.#reffed) this.#timer.unref();
  }

  ref(): this {
    this.#reffed = true;
    this.#timer?.ref();
    return this;
  }

  unref(): this {
    this.#reffed = false;
    this.#timer?.unref();
    return this;
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Calls `fn` once after `ms` milliseconds, any number >= 0 or Infinity (then never: the timer
 * only holds the event loop, while ref'd, until it is cleared). Up to MAX_TIMER_MS it is a plain
 * setTimeout, so the common case costs nothing more.
 */
export function longTimeout(fn: () => void, ms: number): LongTimer {
  return ms <= MAX_TIMER_MS ? setTimeout(fn, ms) : new ChainedTimer(fn, ms);
}

/** Clears a timer of longTimeout() (undefined: nothing to clear). */
export function clearLongTimeout(timer: LongTimer | undefined): void {
  if (timer instanceof ChainedTimer) timer.clear();
  else clearTimeout(timer as NodeJS.Timeout | undefined);
}
