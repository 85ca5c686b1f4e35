// A mutex in one Int32 slot of shared memory, taken over from a holder whose thread is gone (terminated while holding).

import { alive, generation, home, setHolding } from '../memory/wake-table.js';
import { NOT_YET, waitAsync, waitSync, type WaitOptions } from '../memory/wait.js';
import type { WaitSet } from '../memory/wait-set.js';

/**
 * The slot (in the owner's layout, e.g. queue-ring.ts):
 *
 * | slot   | written by                                              | read by | values / wake-up after the write     |
 * |--------|---------------------------------------------------------|---------|--------------------------------------|
 * | `word` | take (compareExchange 0 -> me, or a gone holder -> me), | take    | 0 free, else the holder's token      |
 * |        | unlock (store 0)                                        |         | (generation << 13 | block + 1);      |
 * |        |                                                         |         | unlock wakes one waiter of `waiters` |
 *
 * A taker sets its block's HOLDING slot (wake-table.ts) before its compareExchange, so a thread
 * terminated while holding has its owner's free() wake every waiter; the first to retry finds the
 * holder's block freed or reused (another generation) and takes the mutex over with one
 * compareExchange. The holder's writes under the mutex commit with one atomic store of their own,
 * so a takeover finds no half-made change.
 */
export class TakeoverMutex {
  readonly #mem: Int32Array;
  readonly #word: number;
  readonly #waiters: WaitSet;
  /** Another mutex's slot the thread may hold while it takes this one (never -1 when it does). */
  readonly #outer: number;
  readonly #wait: WaitOptions;

  /**
   * The mutex at slot `word` of `mem`, its waiters registered in `waiters`. `outer`: the slot of a
   * mutex a thread may already hold when it takes this one (a failed take then leaves HOLDING set);
   * `spin`: lock-free retries before a blocking wait sleeps.
   */
  constructor(mem: Int32Array, word: number, waiters: WaitSet, options: { outer?: number; spin?: number } = {}) {
    this.#mem = mem;
    this.#word = word;
    this.#waiters = waiters;
    this.#outer = options.outer ?? -1;
    this.#wait = { cancellable: false, spin: options.spin ?? 0 };
  }

  /** One attempt: takes the mutex, or takes it over from a holder that is gone; else NOT_YET. */
  readonly take = (): true | typeof NOT_YET => {
    const b = home();
    const token = (generation(b) << 13) | (b + 1);
    setHolding(b, 1);
    const holder = Atomics.compareExchange(this.#mem, this.#word, 0, token);
    if (holder === 0) return true;
    if (!alive((holder & 0x1fff) - 1, holder >>> 13) && Atomics.compareExchange(this.#mem, this.#word, holder, token) === holder)
      return true;
    if (this.#outer >= 0 && Atomics.load(this.#mem, this.#outer) === token) return NOT_YET; // still holds the outer one
    setHolding(b, 0);
    return NOT_YET;
  };

  /** Takes the mutex, blocking the calling thread; a cancel does not end the wait. */
  lockSync(): void {
    if (this.take() === true) return;
    waitSync(this.#waiters, this.take, Infinity, this.#wait);
  }

  /** The async twin of lockSync(). */
  async lock(): Promise<void> {
    await waitAsync(this.#waiters, this.take, Infinity, this.#wait);
  }

  /** Releases the mutex; `holding`: the thread still holds another (the outer one), so HOLDING stays set. */
  unlock(holding = false): void {
    Atomics.store(this.#mem, this.#word, 0);
    if (!holding) setHolding(home(), 0);
    if (this.#waiters.waiting) this.#waiters.wakeOne();
  }
}
