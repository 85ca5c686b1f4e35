// The one settlement machine of a Thread, a Process and a Future: one outcome, settled once, and the waits on it.

import { CancelledError, TerminatedError, TimeoutError } from '../errors.js';
import { clearLongTimeout, longTimeout, type LongTimer } from '../base/timers.js';

/** How a thread (or a pool task) ended; undefined while it is alive. */
export type Outcome<R = unknown> =
  | { readonly status: 'completed'; readonly value: R }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'cancelled'; readonly reason: unknown }
  | { readonly status: 'terminated' };

/**
 * Holds the outcome of one run. `settle()` is the only writer and the first call wins, so every
 * Thread, Process and Future ends exactly once; `ended` resolves then (it never rejects).
 */
export class Settlement<R = unknown> {
  #outcome: Outcome<R> | undefined;
  #markEnded: (() => void) | undefined;
  /** Made when first asked for (a pool holds many settlements nobody waits on yet). */
  #ended: Promise<void> | undefined;

  /** Resolves once settled; never rejects. The same promise every time. */
  get ended(): Promise<void> {
    if (this.#ended === undefined) {
      this.#ended = this.#outcome !== undefined ? Promise.resolve() : new Promise((resolve) => (this.#markEnded = resolve));
    }
    return this.#ended;
  }

  /** The outcome once settled; undefined before. */
  get outcome(): Outcome<R> | undefined {
    return this.#outcome;
  }

  /** Records the outcome. Returns false (and changes nothing) when it was already settled. */
  settle(outcome: Outcome<R>): boolean {
    if (this.#outcome !== undefined) return false;
    this.#outcome = outcome;
    this.#markEnded?.();
    this.#markEnded = undefined;
    return true;
  }

  /** Resolves true once settled, or false when `timeoutMs` passes first (undefined or Infinity: no limit). */
  async join(timeoutMs?: number): Promise<boolean> {
    if (this.#outcome !== undefined) return true;
    if (timeoutMs === undefined || timeoutMs === Infinity) {
      await this.ended;
      return true;
    }
    let timer: LongTimer | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = longTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.ended.then(() => true as const), timedOut]);
    } finally {
      clearLongTimeout(timer);
    }
  }

  /**
   * Resolves with the value, or rejects with the error, CancelledError, TerminatedError, or
   * TimeoutError (naming `name`) when `timeoutMs` passes first.
   */
  async result(timeoutMs: number | undefined, name: string): Promise<R> {
    if (!(await this.join(timeoutMs))) {
      throw new TimeoutError(`${name} was still running after ${timeoutMs} ms; it goes on. Call result() again to keep waiting.`);
    }
    return unwrap(this.#outcome!, name);
  }
}

/** The value of a completed outcome; throws what `result()` rejects with for the others. */
export function unwrap<R>(outcome: Outcome<R>, name: string): R {
  switch (outcome.status) {
    case 'completed':
      return outcome.value;
    case 'failed':
      throw outcome.error;
    case 'cancelled':
      throw new CancelledError(outcome.reason, `${name} was cancelled`);
    case 'terminated':
      throw new TerminatedError(`${name} was terminated`);
  }
}
