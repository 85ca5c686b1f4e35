// Semaphore and BoundedSemaphore: Python's threading.Semaphore(value=1) and threading.BoundedSemaphore in shared memory.

import { KIND, SHARE, adopted, brand, held, sharedInts, validateInt, type Held } from './brand.js';
import { timedOut } from './lock.js';
import { NOT_YET, waitAsync, waitSync } from '../memory/wait.js';
import { WaitSet } from '../memory/wait-set.js';

/**
 * Layout (Int32 slots):
 *
 * | index     | written by                                        | read by  | values                           |
 * |-----------|---------------------------------------------------|----------|----------------------------------|
 * | `VALUE`   | acquire (compareExchange v -> v - 1, v > 0),      | everyone | the counter, >= 0                |
 * |           | release (compareExchange v -> v + n)              |          |                                  |
 * | `BOUND`   | the creator, once                                 | release  | -1 unbounded, else the initial   |
 * |           |                                                   |          | value (BoundedSemaphore)         |
 * | `WAITERS` | wait-set.ts                                       |          | release(n) wakes n               |
 *
 * Each change is one compareExchange of VALUE.
 */
const VALUE = 0;
const BOUND = 1;
const WAITERS = 2;

export class Semaphore {
  readonly #mem: Int32Array;
  readonly #waiters: WaitSet;

  /**
   * A semaphore whose counter starts at `value` (default 1).
   * @throws {RangeError} when `value` is not an integer >= 0.
   */
  constructor(value = 1) {
    const state = adopted<SharedArrayBuffer>();
    if (state !== undefined) {
      this.#mem = new Int32Array(state);
      this.#waiters = new WaitSet(this.#mem, WAITERS, false);
      return;
    }
    validateInt(value, 'value', 0, 0x7fffffff);
    this.#mem = sharedInts(WAITERS + WaitSet.SLOTS);
    this.#mem[VALUE] = value;
    this.#mem[BOUND] = this[KIND] === 'BoundedSemaphore' ? value : -1;
    this.#waiters = new WaitSet(this.#mem, WAITERS, true);
  }

  get [KIND](): 'Semaphore' | 'BoundedSemaphore' {
    return 'Semaphore';
  }

  [SHARE](): SharedArrayBuffer {
    return this.#mem.buffer as SharedArrayBuffer;
  }

  /**
   * Blocks until the counter is above 0, then decrements it; returns true, or false when
   * `timeoutMs` passed first (0: try once).
   * @throws {CancelledError} when the calling thread is cancelled (nothing is taken).
   * @throws {RangeError} when `timeoutMs` is not a number >= 0 (Infinity included).
   */
  acquireSync(timeoutMs?: number): boolean {
    return waitSync(this.#waiters, this.#attempt, timeoutMs) === true;
  }

  /** The async twin of acquireSync(). */
  async acquire(timeoutMs?: number): Promise<boolean> {
    return (await waitAsync(this.#waiters, this.#attempt, timeoutMs)) === true;
  }

  /**
   * Adds `n` (default 1) to the counter and wakes up to `n` waiters. Any thread may release.
   * @throws {RangeError} when `n` is not an integer >= 1, or (BoundedSemaphore) when the counter
   * would go above its initial value (nothing is released then).
   */
  release(n = 1): void {
    validateInt(n, 'n', 1, 0x7fffffff);
    const bound = Atomics.load(this.#mem, BOUND);
    for (;;) {
      const v = Atomics.load(this.#mem, VALUE);
      if (bound >= 0 && v + n > bound) {
        throw new RangeError(`${this[KIND]} released too many times: its value would be ${v + n}, above its initial value ${bound}.`);
      }
      if (v + n > 0x7fffffff) throw new RangeError(`Semaphore value would overflow (${v} + ${n}).`);
      if (Atomics.compareExchange(this.#mem, VALUE, v, v + n) === v) break;
    }
    this.#waiters.wake(n);
  }

  /**
   * Acquires and returns a Disposable that releases one: `using held = semaphore.holdSync()`.
   * @throws {TimeoutError} when `timeoutMs` passed first.
   */
  holdSync(timeoutMs?: number): Held {
    if (!this.acquireSync(timeoutMs)) throw timedOut(this[KIND], timeoutMs);
    return held(() => this.release());
  }

  /** The async twin of holdSync(). */
  async hold(timeoutMs?: number): Promise<Held> {
    if (!(await this.acquire(timeoutMs))) throw timedOut(this[KIND], timeoutMs);
    return held(() => this.release());
  }

  readonly #attempt = (): true | typeof NOT_YET => {
    for (;;) {
      const v = Atomics.load(this.#mem, VALUE);
      if (v <= 0) return NOT_YET;
      if (Atomics.compareExchange(this.#mem, VALUE, v, v - 1) === v) return true;
    }
  };
}

/** A Semaphore that refuses to be released above its initial value (RangeError), as Python's BoundedSemaphore. */
export class BoundedSemaphore extends Semaphore {
  override get [KIND](): 'BoundedSemaphore' {
    return 'BoundedSemaphore';
  }
}

brand(Semaphore, ['Semaphore', 'BoundedSemaphore']);
brand(BoundedSemaphore, ['BoundedSemaphore']);
