// Event: Python's threading.Event in shared memory.

import { KIND, SHARE, adopted, brand, sharedInts } from './brand.js';
import { NOT_YET, waitAsync, waitSync } from '../memory/wait.js';
import { WaitSet } from '../memory/wait-set.js';

/**
 * Layout (Int32 slots of the event's SharedArrayBuffer):
 *
 * | index     | written by                           | read by  | values                                        |
 * |-----------|--------------------------------------|----------|-----------------------------------------------|
 * | `STATE`   | set() (compareExchange), clear()     | everyone | bit 0: set; bits 1..30: how many times it was |
 * |           | (Atomics.and)                        |          | set (wraps)                                   |
 * | `WAITERS` | waiters / set() (wait-set.ts)        |          | wakes every waiter after set() commits        |
 *
 * set() commits with one compareExchange that raises bit 0 and counts the set, so a waiter that
 * saw the count change returns true even when clear() followed at once.
 */
const STATE = 0;
const WAITERS = 1;
const SLOTS = WAITERS + WaitSet.SLOTS;

export class Event {
  readonly #mem: Int32Array;
  readonly #waiters: WaitSet;

  /** A new event, not set. */
  constructor() {
    const state = adopted<SharedArrayBuffer>();
    this.#mem = state === undefined ? sharedInts(SLOTS) : new Int32Array(state);
    this.#waiters = new WaitSet(this.#mem, WAITERS, state === undefined);
  }

  get [KIND](): 'Event' {
    return 'Event';
  }

  [SHARE](): SharedArrayBuffer {
    return this.#mem.buffer as SharedArrayBuffer;
  }

  /** Whether the event is set. */
  isSet(): boolean {
    return (Atomics.load(this.#mem, STATE) & 1) === 1;
  }

  /** Sets the event and wakes every waiter. Idempotent. */
  set(): void {
    for (;;) {
      const s = Atomics.load(this.#mem, STATE);
      if ((s & 1) === 1) return;
      const next = ((((s >>> 1) + 1) & 0x3fffffff) << 1) | 1;
      if (Atomics.compareExchange(this.#mem, STATE, s, next) === s) break;
    }
    this.#waiters.wakeAll();
  }

  /** Clears the event: later waits block until the next set(). */
  clear(): void {
    Atomics.and(this.#mem, STATE, ~1);
  }

  /**
   * Blocks until the event is set; returns true, or false when `timeoutMs` passed first.
   * Returns true for every waiter of a set(), even when clear() follows at once.
   * @throws {CancelledError} when the calling thread is cancelled.
   * @throws {RangeError} when `timeoutMs` is not a number >= 0 (Infinity included).
   */
  waitSync(timeoutMs?: number): boolean {
    return waitSync(this.#waiters, this.#attempt(), timeoutMs) === true;
  }

  /** The async twin of waitSync(): never blocks the event loop. */
  async wait(timeoutMs?: number): Promise<boolean> {
    return (await waitAsync(this.#waiters, this.#attempt(), timeoutMs)) === true;
  }

  #attempt(): () => true | typeof NOT_YET {
    const start = Atomics.load(this.#mem, STATE);
    return () => {
      const s = Atomics.load(this.#mem, STATE);
      return (s & 1) === 1 || s >>> 1 !== start >>> 1 ? true : NOT_YET;
    };
  }
}

brand(Event, ['Event']);
