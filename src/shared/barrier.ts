// Barrier: Python's threading.Barrier(parties) in shared memory.

import { BrokenBarrierError, CancelledError } from '../errors.js';
import { checkpoint } from '../memory/runtime.js';
import { KIND, SHARE, adopted, brand, validateInt } from './brand.js';
import { NOT_YET, TIMED_OUT, timeoutOf, waitAsync, waitSync } from '../memory/wait.js';
import { WaitSet } from '../memory/wait-set.js';

/**
 * Layout of the barrier's SharedArrayBuffer:
 *
 * | where              | written by                                  | read by  | values                              |
 * |--------------------|---------------------------------------------|----------|-------------------------------------|
 * | `STATE` (BigInt64  | arrivals, the last arrival, a breaking      | everyone | bits 0..19 arrived in this round,   |
 * | at byte 0)         | waiter, abort(), reset(): each one          |          | bit 20 broken, bits 32..47 round,   |
 * |                    | compareExchange                             |          | bits 48..63 how the last 16 rounds  |
 * |                    |                                             |          | ended (1: reset), newest first      |
 * | `PARTIES` (Int32 2)| the creator, once                           | everyone | parties                             |
 * | `WAITERS` (Int32 4)| wait-set.ts                                 |          | woken all at once on every change   |
 *
 * Every change is one compareExchange of STATE: the last arrival starts the next round, a waiter
 * that times out or is cancelled sets `broken` (only if its round is still on), abort() sets it,
 * reset() starts the next round marked as reset. A waiter learns how its round ended from the
 * round number and the history bits, so a fast next round cannot be mistaken for its own.
 */
const PARTIES = 2;
const WAITERS = 4;
const MAX_PARTIES = 0xfffff;
const BROKEN = 1n << 20n;

interface Phase {
  count: number;
  broken: boolean;
  round: number;
  history: number;
}

function unpack(s: bigint): Phase {
  return {
    count: Number(s & 0xfffffn),
    broken: (s & BROKEN) !== 0n,
    round: Number((s >> 32n) & 0xffffn),
    history: Number((s >> 48n) & 0xffffn),
  };
}

function pack(p: Phase): bigint {
  return BigInt(p.count) | (p.broken ? BROKEN : 0n) | (BigInt(p.round & 0xffff) << 32n) | (BigInt(p.history & 0xffff) << 48n);
}

export class Barrier {
  readonly #state: BigInt64Array;
  readonly #mem: Int32Array;
  readonly #waiters: WaitSet;

  /**
   * A barrier for `parties` threads.
   * @throws {RangeError} when `parties` is not an integer >= 1.
   */
  constructor(parties: number) {
    const state = adopted<SharedArrayBuffer>();
    if (state === undefined) validateInt(parties, 'parties', 1, MAX_PARTIES);
    const buffer = state ?? new SharedArrayBuffer((WAITERS + WaitSet.SLOTS) * Int32Array.BYTES_PER_ELEMENT);
    this.#state = new BigInt64Array(buffer, 0, 1);
    this.#mem = new Int32Array(buffer);
    if (state === undefined) this.#mem[PARTIES] = parties;
    this.#waiters = new WaitSet(this.#mem, WAITERS, state === undefined);
  }

  get [KIND](): 'Barrier' {
    return 'Barrier';
  }

  [SHARE](): SharedArrayBuffer {
    return this.#mem.buffer as SharedArrayBuffer;
  }

  /** How many threads must call wait() for the barrier to let them all through. */
  get parties(): number {
    return this.#mem[PARTIES]!;
  }

  /** How many threads wait in the current round. */
  get nWaiting(): number {
    const p = unpack(Atomics.load(this.#state, 0));
    return p.broken ? 0 : p.count;
  }

  /** Whether the barrier is broken (until reset()). */
  get broken(): boolean {
    return unpack(Atomics.load(this.#state, 0)).broken;
  }

  /**
   * Waits until `parties` threads are waiting, then lets them all through; returns this thread's
   * arrival index, 0 to parties - 1 (the last to arrive gets parties - 1).
   * @throws {BrokenBarrierError} when the barrier is or gets broken (reset, abort, a waiter that timed
   * out or was cancelled), or when `timeoutMs` passes first (which breaks it).
   * @throws {CancelledError} when the calling thread is cancelled (which breaks it).
   */
  waitSync(timeoutMs?: number): number {
    const ms = timeoutOf(timeoutMs);
    checkpoint();
    const arrival = this.#arrive();
    if (arrival.through) return arrival.index;
    let result: number | typeof TIMED_OUT;
    try {
      result = waitSync(this.#waiters, this.#outcome(arrival), ms, { passOn: false });
    } catch (error) {
      throw this.#left(arrival, error);
    }
    return result === TIMED_OUT ? this.#timedOut(arrival) : result;
  }

  /** The async twin of waitSync(). */
  async wait(timeoutMs?: number): Promise<number> {
    const ms = timeoutOf(timeoutMs);
    checkpoint();
    const arrival = this.#arrive();
    if (arrival.through) return arrival.index;
    let result: number | typeof TIMED_OUT;
    try {
      result = await waitAsync(this.#waiters, this.#outcome(arrival), ms, { passOn: false });
    } catch (error) {
      throw this.#left(arrival, error);
    }
    return result === TIMED_OUT ? this.#timedOut(arrival) : result;
  }

  /** Puts the barrier back to its initial state: threads waiting now get BrokenBarrierError. */
  reset(): void {
    for (;;) {
      const s = Atomics.load(this.#state, 0);
      const p = unpack(s);
      const next = pack({ count: 0, broken: false, round: p.round + 1, history: (p.history << 1) | 1 });
      if (Atomics.compareExchange(this.#state, 0, s, next) === s) break;
    }
    this.#waiters.wakeAll();
  }

  /** Breaks the barrier: waiting threads, and every later wait until reset(), get BrokenBarrierError. */
  abort(): void {
    this.#break();
  }

  #arrive(): { round: number; index: number; through: boolean } {
    const parties = this.parties;
    for (;;) {
      const s = Atomics.load(this.#state, 0);
      const p = unpack(s);
      if (p.broken) throw broken();
      const through = p.count + 1 === parties;
      const next = through
        ? pack({ count: 0, broken: false, round: p.round + 1, history: p.history << 1 })
        : pack({ ...p, count: p.count + 1 });
      if (Atomics.compareExchange(this.#state, 0, s, next) !== s) continue;
      if (through) this.#waiters.wakeAll();
      return { round: p.round, index: p.count, through };
    }
  }

  /** Attempt: the index once the round is through; throws once it was broken or reset. */
  #outcome(arrival: { round: number; index: number }): () => number | typeof NOT_YET {
    return () => {
      const p = unpack(Atomics.load(this.#state, 0));
      if (p.round !== arrival.round) {
        const age = (p.round - 1 - arrival.round) & 0xffff;
        if (age < 16 && ((p.history >> age) & 1) === 1) throw broken();
        return arrival.index;
      }
      if (p.broken) throw broken();
      return NOT_YET;
    };
  }

  /** A waiter that timed out: it breaks its round (unless it went through just then). */
  #timedOut(arrival: { round: number; index: number }): number {
    const outcome = this.#outcome(arrival);
    const through = outcome();
    if (through !== NOT_YET) return through;
    this.#break(arrival.round);
    throw broken('a waiter timed out');
  }

  /** A waiter that was cancelled breaks its round (unless it went through just then), then rethrows. */
  #left(arrival: { round: number }, error: unknown): unknown {
    if (error instanceof CancelledError) this.#break(arrival.round);
    return error;
  }

  #break(round?: number): void {
    for (;;) {
      const s = Atomics.load(this.#state, 0);
      const p = unpack(s);
      if (p.broken || (round !== undefined && p.round !== round)) return;
      if (Atomics.compareExchange(this.#state, 0, s, pack({ ...p, broken: true })) === s) break;
    }
    this.#waiters.wakeAll();
  }
}

function broken(why = 'it was reset, aborted, or a waiter timed out or was cancelled'): BrokenBarrierError {
  return new BrokenBarrierError(`The Barrier is broken (${why}); call reset() to use it again.`);
}

brand(Barrier, ['Barrier']);
