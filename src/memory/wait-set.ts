// A WaitSet: the registry of who waits on one condition of a shared object, kept in the object's own buffer.

import { CAPACITY, NEXT_ID, WAITING, bump, high, slot, table } from './wake-table.js';

/**
 * Slots, from `at` in the object's `Int32Array` (`WaitSet.SLOTS` of them):
 *
 * | slot      | written by                               | read by  | values                                    |
 * |-----------|------------------------------------------|----------|-------------------------------------------|
 * | `ID`      | the creator, once                        | everyone | this set's id, unique in the process      |
 * | `COUNT`   | waiters: +1 before registering, -1 after | wakers   | a hint: 0 means nobody to wake (may be    |
 * |           | leaving (a terminated one leaves it high)|          | too high after a terminate, never too low) |
 * | `BITS..`  | a waiter sets its block's bit (Atomics.  | wakers   | bit b set: block b waits, unless its      |
 * |           | or); a waker claims it (Atomics.and)     |          | WAITING slot says otherwise (stale)       |
 *
 * A waiter: COUNT += 1, WAITING = ID, sets its bit, reads its WAKE, re-checks the object, waits on
 * WAKE. A waker: changes the object's state (the commit), then claims bits and bumps the WAKE of
 * each claimed block whose WAITING is still ID. A waiter that leaves and finds its bit claimed
 * without using the wake-up passes it on (`leave` returns true). Every step is one atomic
 * write; a terminate between two of them leaves at worst a stale bit, which the next waker
 * skips, or a lost wake-up, which wake-table.ts's free() repairs with a broadcast. A waker scans
 * the words below the table's HIGH only (no block above it can have registered).
 */
const ID = 0;
const COUNT = 1;
const BITS = 2;
const WORDS = CAPACITY / 32;

export class WaitSet {
  static readonly SLOTS = BITS + WORDS;
  readonly #mem: Int32Array;
  readonly #at: number;
  /** ID, read once: its one write comes before the object is shared. */
  readonly #id: number;

  /** Views the set at `at`; `init` gives it an id (the creating side, once). */
  constructor(mem: Int32Array, at: number, init: boolean) {
    this.#mem = mem;
    this.#at = at;
    if (init) Atomics.store(mem, at + ID, Atomics.add(table(), NEXT_ID, 1) + 1);
    this.#id = Atomics.load(mem, at + ID);
  }

  get id(): number {
    return this.#id;
  }

  /** Whether anyone may be waiting (COUNT > 0): a waker with nobody to wake stops here. */
  get waiting(): boolean {
    return Atomics.load(this.#mem, this.#at + COUNT) > 0;
  }

  /** Registers block `b` (idempotent per wait: call `leave` once when the wait ends). */
  enter(b: number): void {
    const t = table();
    if (Atomics.load(t, slot(b, WAITING)) !== this.#id) {
      Atomics.add(this.#mem, this.#at + COUNT, 1);
      Atomics.store(t, slot(b, WAITING), this.#id);
    }
    Atomics.or(this.#mem, this.#at + BITS + (b >>> 5), 1 << (b & 31));
  }

  /** Whether block `b`'s bit is still set (false once a waker claimed it). */
  registered(b: number): boolean {
    return (Atomics.load(this.#mem, this.#at + BITS + (b >>> 5)) & (1 << (b & 31))) !== 0;
  }

  /** Unregisters block `b`; returns true when a waker had claimed its bit (it was picked). */
  leave(b: number): boolean {
    const mask = 1 << (b & 31);
    const before = Atomics.and(this.#mem, this.#at + BITS + (b >>> 5), ~mask);
    const t = table();
    if (Atomics.compareExchange(t, slot(b, WAITING), this.#id, 0) === this.#id) Atomics.sub(this.#mem, this.#at + COUNT, 1);
    return (before & mask) === 0;
  }

  /** Wakes at most `n` waiters (claiming their bits); returns how many it woke. */
  wake(n: number): number {
    if (n <= 0 || Atomics.load(this.#mem, this.#at + COUNT) <= 0) return 0;
    const t = table();
    const id = this.#id;
    const words = Math.min(WORDS, (high() + 31) >>> 5);
    let woken = 0;
    for (let w = 0; w < words && woken < n; w += 1) {
      let word = Atomics.load(this.#mem, this.#at + BITS + w);
      while (word !== 0 && woken < n) {
        const bit = word & -word;
        word &= ~bit;
        const before = Atomics.and(this.#mem, this.#at + BITS + w, ~bit);
        if ((before & bit) === 0) continue;
        const b = w * 32 + (31 - Math.clz32(bit));
        if (Atomics.load(t, slot(b, WAITING)) !== id) continue; // stale: that block waits elsewhere now
        bump(b);
        woken += 1;
      }
    }
    return woken;
  }

  wakeOne(): number {
    return this.wake(1);
  }

  wakeAll(): number {
    return this.wake(Infinity);
  }
}
