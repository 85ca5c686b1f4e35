// Condition: Python's threading.Condition(lock) in shared memory; its default lock is an RLock.

import { ThreadStateError, got } from '../errors.js';
import { KIND, LOCK_OPS, SHARE, adopted, brand, isShared, validateInt, type Held, type LockOps } from './brand.js';
import { Lock, RLock } from './lock.js';
import { NOT_YET, timeoutOf, waitAsync, waitSync } from '../memory/wait.js';
import { WaitSet } from '../memory/wait-set.js';

/**
 * Layout (Int32 slots of the condition's own buffer; the lock has its own, see lock.ts):
 *
 * | index     | written by                                   | read by                | values                 |
 * |-----------|----------------------------------------------|------------------------|------------------------|
 * | `WAITERS` | a waiter registers (before it releases the   | notify(n) claims up to | a claimed bit is the   |
 * |           | lock); notify claims bits (wait-set.ts)      | n bits                 | notification itself    |
 *
 * A waiter registers first, then releases the lock, so a notify after the release sees it; it is
 * notified exactly when its bit was claimed. One that is cancelled after being notified passes
 * the notification on, so none is lost. Whatever ends the wait, the lock is taken back (ignoring
 * cancels) before waitSync returns or throws, as in Python.
 */
const WAITERS = 0;

interface State {
  buffer: SharedArrayBuffer;
  lock: Lock | RLock;
}

export class Condition {
  readonly #mem: Int32Array;
  readonly #waiters: WaitSet;
  readonly #lock: Lock | RLock;

  /**
   * A condition over `lock` (default: a new RLock).
   * @throws {TypeError} when `lock` is not a Lock or an RLock.
   */
  constructor(lock?: Lock | RLock) {
    const state = adopted<State>();
    if (state !== undefined) {
      this.#mem = new Int32Array(state.buffer);
      this.#lock = state.lock;
      this.#waiters = new WaitSet(this.#mem, WAITERS, false);
      return;
    }
    if (lock !== undefined && !(isShared(lock) && (lock[KIND] === 'Lock' || lock[KIND] === 'RLock'))) {
      throw new TypeError(`Expected \`lock\` to be a Lock, an RLock or undefined, ${got(lock)}`);
    }
    this.#lock = lock ?? new RLock();
    this.#mem = new Int32Array(new SharedArrayBuffer(WaitSet.SLOTS * Int32Array.BYTES_PER_ELEMENT));
    this.#waiters = new WaitSet(this.#mem, WAITERS, true);
  }

  get [KIND](): 'Condition' {
    return 'Condition';
  }

  [SHARE](): State {
    return { buffer: this.#mem.buffer as SharedArrayBuffer, lock: this.#lock };
  }

  /** The lock's acquireSync(). */
  acquireSync(timeoutMs?: number): boolean {
    return this.#lock.acquireSync(timeoutMs);
  }

  /** The lock's acquire(). */
  acquire(timeoutMs?: number): Promise<boolean> {
    return this.#lock.acquire(timeoutMs);
  }

  /** The lock's release(). */
  release(): void {
    this.#lock.release();
  }

  /** The lock's holdSync(): `using held = cond.holdSync()`. */
  holdSync(timeoutMs?: number): Held {
    return this.#lock.holdSync(timeoutMs);
  }

  /** The lock's hold(). */
  hold(timeoutMs?: number): Promise<Held> {
    return this.#lock.hold(timeoutMs);
  }

  /**
   * Releases the lock, blocks until notified, takes the lock back and returns true; false when
   * `timeoutMs` passed first. A cancel ends the wait with CancelledError, after the lock is taken
   * back, so `finally { cond.release() }` is right.
   * @throws {ThreadStateError} when the calling thread does not hold the lock.
   * @throws {CancelledError} when the calling thread is cancelled.
   * @throws {RangeError} when `timeoutMs` is not a number >= 0 (Infinity included).
   */
  waitSync(timeoutMs?: number): boolean {
    const ms = timeoutOf(timeoutMs);
    const ops = this.#ops('waitSync');
    let saved: number | undefined;
    try {
      return waitSync(this.#waiters, this.#notified, ms, { once: true, afterEnter: () => (saved = ops.releaseSave()) }) === true;
    } finally {
      if (saved !== undefined) ops.restoreSync(saved);
    }
  }

  /** The async twin of waitSync(). */
  async wait(timeoutMs?: number): Promise<boolean> {
    const ms = timeoutOf(timeoutMs);
    const ops = this.#ops('wait');
    let saved: number | undefined;
    try {
      return (await waitAsync(this.#waiters, this.#notified, ms, { once: true, afterEnter: () => (saved = ops.releaseSave()) })) === true;
    } finally {
      if (saved !== undefined) await ops.restore(saved);
    }
  }

  /**
   * Waits until `predicate()` is truthy (checking it first) and returns its last value: false-y
   * when `timeoutMs` passed first.
   * @throws {ThreadStateError} when the calling thread does not hold the lock.
   */
  waitForSync<R>(predicate: () => R, timeoutMs?: number): R {
    return waitForSync((ms) => this.waitSync(ms), predicate, timeoutMs);
  }

  /** The async twin of waitForSync(); `predicate` may return a promise. */
  async waitFor<R>(predicate: () => R | PromiseLike<R>, timeoutMs?: number): Promise<R> {
    return waitFor((ms) => this.wait(ms), predicate, timeoutMs);
  }

  /**
   * Wakes at most `n` (default 1) waiters.
   * @throws {ThreadStateError} when the calling thread does not hold the lock.
   * @throws {RangeError} when `n` is not an integer >= 0.
   */
  notify(n = 1): void {
    validateInt(n, 'n', 0);
    this.#ops('notify');
    this.#waiters.wake(n);
  }

  /**
   * Wakes every waiter.
   * @throws {ThreadStateError} when the calling thread does not hold the lock.
   */
  notifyAll(): void {
    this.#ops('notifyAll');
    this.#waiters.wakeAll();
  }

  #ops(method: string): LockOps {
    const ops = this.#lock[LOCK_OPS]();
    if (!ops.owned()) {
      throw new ThreadStateError(
        `${method}() of a Condition whose lock the calling thread does not hold; acquire it first (cond.acquireSync() or using held = cond.holdSync()).`,
      );
    }
    return ops;
  }

  readonly #notified = (b: number): true | typeof NOT_YET => (b >= 0 && !this.#waiters.registered(b) ? true : NOT_YET);
}

brand(Condition, ['Condition']);

/**
 * waitForSync()'s loop over `wait` (a Condition's waitSync, or its proxy's in a Process): checks
 * `predicate` first, waits while it is false-y and time is left; its last value.
 * @internal
 */
export function waitForSync<R>(wait: (timeoutMs: number) => unknown, predicate: () => R, timeoutMs: number | undefined): R {
  const deadline = performance.now() + timeoutOf(timeoutMs);
  let result = predicate();
  while (!result) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    wait(left);
    result = predicate();
  }
  return result;
}

/** The async twin of waitForSync(); `predicate` may return a promise. @internal */
export async function waitFor<R>(
  wait: (timeoutMs: number) => Promise<unknown>,
  predicate: () => R | PromiseLike<R>,
  timeoutMs: number | undefined,
): Promise<R> {
  const deadline = performance.now() + timeoutOf(timeoutMs);
  let result = await predicate();
  while (!result) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    await wait(left);
    result = await predicate();
  }
  return result;
}
