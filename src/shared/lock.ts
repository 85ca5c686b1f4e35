// Lock and RLock: Python's threading.Lock (not owned) and threading.RLock (re-entrant, owned) in shared memory.

import { threadId } from 'node:worker_threads';
import { ThreadStateError, TimeoutError } from '../errors.js';
import { callerCancelled } from '../memory/context.js';
import { KIND, LOCK_OPS, SHARE, adopted, brand, held, sharedInts, type Held, type LockOps } from './brand.js';
import { NOT_YET, TIMED_OUT, waitAsync, waitSync } from '../memory/wait.js';
import { WaitSet } from '../memory/wait-set.js';
import { currentScope } from '../memory/scope.js';

/**
 * Lock layout (Int32 slots):
 *
 * | index     | written by                                    | read by  | values                           |
 * |-----------|-----------------------------------------------|----------|----------------------------------|
 * | `STATE`   | acquire (compareExchange 0 -> 1; a registered | everyone | 0 unlocked, 1 locked, 2 locked   |
 * |           | waiter: exchange to 2), release (exchange 0)  |          | and someone may be waiting       |
 * | `WAITERS` | wait-set.ts                                   |          | a release that finds 2 wakes one |
 *
 * Each change is that one atomic write (Drepper's futex mutex, with wait-set.ts's registry as the
 * futex). An acquire that finds the lock free takes it with one compareExchange (after the cancel
 * check); one that finds it held tries SPIN times more, then registers in WAITERS and exchanges
 * STATE to 2 (taking the lock if that exchange found 0) before it sleeps on its own WAKE slot
 * (wait.ts). So a release is one exchange, and only one that finds 2 looks for someone to wake:
 * a waiter registers before its exchange, the releaser's exchange comes before its look, so one
 * of the two sees the other. A thread terminated while holding the lock leaves it locked, as in
 * Python.
 */
const STATE = 0;
const WAITERS = 1;
/** Extra tries before a contended acquire sleeps: about a microsecond, as a futex mutex spins. */
const SPIN = 100;
const SPINNING = { spin: SPIN } as const;

export class Lock {
  readonly #mem: Int32Array;
  readonly #waiters: WaitSet;

  /** A new lock, unlocked. */
  constructor() {
    const state = adopted<SharedArrayBuffer>();
    this.#mem = state === undefined ? sharedInts(WAITERS + WaitSet.SLOTS) : new Int32Array(state);
    this.#waiters = new WaitSet(this.#mem, WAITERS, state === undefined);
  }

  get [KIND](): 'Lock' {
    return 'Lock';
  }

  [SHARE](): SharedArrayBuffer {
    return this.#mem.buffer as SharedArrayBuffer;
  }

  /**
   * Blocks until the lock is taken; returns true, or false when `timeoutMs` passed first (0: try once).
   * @throws {CancelledError} when the calling thread is cancelled (the lock is not taken).
   * @throws {RangeError} when `timeoutMs` is not a number >= 0 (Infinity included).
   */
  acquireSync(timeoutMs?: number): boolean {
    if (fastOk(timeoutMs) && !callerCancelled() && Atomics.compareExchange(this.#mem, STATE, 0, 1) === 0) return true;
    return waitSync(this.#waiters, this.#attempt, timeoutMs, SPINNING) === true;
  }

  /** The async twin of acquireSync(): never blocks the event loop. */
  async acquire(timeoutMs?: number): Promise<boolean> {
    return (await waitAsync(this.#waiters, this.#attempt, timeoutMs)) === true;
  }

  /**
   * Unlocks; any thread may release a Lock (it is not owned). Wakes one waiter.
   * @throws {ThreadStateError} when the lock is not locked.
   */
  release(): void {
    const was = Atomics.exchange(this.#mem, STATE, 0);
    if (was === 0) throw new ThreadStateError('release() of an unlocked Lock; release a Lock only after acquiring it.');
    if (was === 2) this.#waiters.wakeOne();
  }

  /** Whether the lock is held (by anyone). */
  locked(): boolean {
    return Atomics.load(this.#mem, STATE) !== 0;
  }

  /**
   * Acquires and returns a Disposable that releases: `using held = lock.holdSync()`.
   * @throws {TimeoutError} when `timeoutMs` passed first.
   */
  holdSync(timeoutMs?: number): Held {
    if (!this.acquireSync(timeoutMs)) throw timedOut('Lock', timeoutMs);
    return held(() => this.release());
  }

  /** The async twin of holdSync(): `await using held = await lock.hold()`. */
  async hold(timeoutMs?: number): Promise<Held> {
    if (!(await this.acquire(timeoutMs))) throw timedOut('Lock', timeoutMs);
    return held(() => this.release());
  }

  [LOCK_OPS](): LockOps {
    return {
      owned: () => this.locked(),
      releaseSave: () => {
        this.release();
        return 1;
      },
      restoreSync: () => {
        waitSync(this.#waiters, this.#attempt, Infinity, { cancellable: false });
      },
      restore: async () => {
        await waitAsync(this.#waiters, this.#attempt, Infinity, { cancellable: false });
      },
    };
  }

  /** Unregistered (b < 0): takes a free lock. Registered: also marks a held one as waited for (STATE 2). */
  readonly #attempt = (b: number): true | typeof NOT_YET =>
    (b < 0 ? Atomics.compareExchange(this.#mem, STATE, 0, 1) : Atomics.exchange(this.#mem, STATE, 2)) === 0 ? true : NOT_YET;
}

brand(Lock, ['Lock']);

/**
 * RLock layout (Int32 slots):
 *
 * | index     | written by                                      | read by    | values                        |
 * |-----------|-------------------------------------------------|------------|-------------------------------|
 * | `OWNER`   | acquire (compareExchange 0 -> me), the owner's  | everyone   | 0 free, else 1 + the owner's  |
 * |           | last release (store 0)                          |            | threadId (< 0: a Process the  |
 * |           |                                                 |            | parent serves, see scope.ts)  |
 * | `COUNT`   | the owner only                                  | the owner  | how many times it holds it    |
 * | `WAITERS` | wait-set.ts                                     |            | the last release wakes one    |
 *
 * The compareExchange of OWNER commits an acquisition and its store of 0 a release; COUNT is the
 * owner's own business. A terminated owner leaves the lock held, as in Python.
 */
const OWNER = 0;
const COUNT = 1;
const R_WAITERS = 2;
const ME = threadId + 1;
/** The owner the calling thread acts as: its own, or the Process's a request is served for (scope.ts). */
const me = (): number => currentScope()?.owner ?? ME;

export class RLock {
  readonly #mem: Int32Array;
  readonly #waiters: WaitSet;

  /** A new re-entrant lock, unlocked. */
  constructor() {
    const state = adopted<SharedArrayBuffer>();
    this.#mem = state === undefined ? sharedInts(R_WAITERS + WaitSet.SLOTS) : new Int32Array(state);
    this.#waiters = new WaitSet(this.#mem, R_WAITERS, state === undefined);
  }

  get [KIND](): 'RLock' {
    return 'RLock';
  }

  [SHARE](): SharedArrayBuffer {
    return this.#mem.buffer as SharedArrayBuffer;
  }

  /**
   * Takes the lock, or takes it once more when the calling thread holds it already. Returns true,
   * or false when `timeoutMs` passed first.
   * @throws {CancelledError} when the calling thread is cancelled.
   * @throws {RangeError} when `timeoutMs` is not a number >= 0 (Infinity included).
   */
  acquireSync(timeoutMs?: number): boolean {
    if (fastOk(timeoutMs) && !callerCancelled() && this.#attempt() === true) return true;
    return waitSync(this.#waiters, this.#attempt, timeoutMs, SPINNING) === true;
  }

  /** The async twin of acquireSync(). The owner is the thread, as in Python: every async task of a thread shares it. */
  async acquire(timeoutMs?: number): Promise<boolean> {
    return (await waitAsync(this.#waiters, this.#attempt, timeoutMs)) === true;
  }

  /**
   * Releases one level; the last one unlocks and wakes one waiter.
   * @throws {ThreadStateError} when the calling thread does not hold the lock.
   */
  release(): void {
    if (Atomics.load(this.#mem, OWNER) !== me()) {
      throw new ThreadStateError(
        `release() of an RLock the calling thread does not hold (${Atomics.load(this.#mem, OWNER) === 0 ? 'it is unlocked' : 'another thread holds it'}); only its owner may release an RLock.`,
      );
    }
    const count = Atomics.load(this.#mem, COUNT) - 1;
    Atomics.store(this.#mem, COUNT, count);
    if (count === 0) {
      Atomics.store(this.#mem, OWNER, 0);
      this.#waiters.wakeOne();
    }
  }

  /** Whether the lock is held (by any thread). */
  locked(): boolean {
    return Atomics.load(this.#mem, OWNER) !== 0;
  }

  /**
   * Acquires and returns a Disposable that releases one level: `using held = rlock.holdSync()`.
   * @throws {TimeoutError} when `timeoutMs` passed first.
   */
  holdSync(timeoutMs?: number): Held {
    if (!this.acquireSync(timeoutMs)) throw timedOut('RLock', timeoutMs);
    return held(() => this.release());
  }

  /** The async twin of holdSync(). */
  async hold(timeoutMs?: number): Promise<Held> {
    if (!(await this.acquire(timeoutMs))) throw timedOut('RLock', timeoutMs);
    return held(() => this.release());
  }

  [LOCK_OPS](): LockOps {
    const owner = me();
    const restore = (saved: number) => () => {
      if (Atomics.compareExchange(this.#mem, OWNER, 0, owner) !== 0) return NOT_YET;
      Atomics.store(this.#mem, COUNT, saved);
      return true;
    };
    return {
      owned: () => Atomics.load(this.#mem, OWNER) === owner,
      releaseSave: () => {
        const saved = Atomics.load(this.#mem, COUNT);
        Atomics.store(this.#mem, COUNT, 0);
        Atomics.store(this.#mem, OWNER, 0);
        this.#waiters.wakeOne();
        return saved;
      },
      restoreSync: (saved) => {
        waitSync(this.#waiters, restore(saved), Infinity, { cancellable: false });
      },
      restore: async (saved) => {
        await waitAsync(this.#waiters, restore(saved), Infinity, { cancellable: false });
      },
    };
  }

  readonly #attempt = (): true | typeof NOT_YET => {
    const owner = me();
    if (Atomics.load(this.#mem, OWNER) === owner) {
      Atomics.store(this.#mem, COUNT, Atomics.load(this.#mem, COUNT) + 1);
      return true;
    }
    if (Atomics.compareExchange(this.#mem, OWNER, 0, owner) !== 0) return NOT_YET;
    Atomics.store(this.#mem, COUNT, 1);
    return true;
  };
}

brand(RLock, ['RLock']);

/** Whether `timeoutMs` needs no validation (undefined, or a number >= 0: NaN fails the comparison), so the fast path may run. */
export function fastOk(timeoutMs: unknown): boolean {
  return timeoutMs === undefined || (typeof timeoutMs === 'number' && timeoutMs >= 0);
}

/** The TimeoutError of a hold that timed out. */
export function timedOut(kind: string, timeoutMs: number | undefined): TimeoutError {
  return new TimeoutError(`Could not acquire the ${kind} within ${timeoutMs} ms.`);
}

export { TIMED_OUT };
