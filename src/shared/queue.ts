// Queue: Python's queue.Queue(maxsize) in shared memory; items cross by structured clone through a ring buffer.

import { QueueEmptyError, QueueFullError, QueueShutDownError, TimeoutError, got } from '../errors.js';
import { callerCancelled } from '../memory/context.js';
import { validateBoolean, validateOptions } from '../base/validate.js';
import { KIND, SHARE, adopted, brand, validateInt } from './brand.js';
import { decode } from './item-codec.js';
import { encodeItem, tooLarge } from './queue-item.js';
import { DONE, GET_MUTEX, HEADER, INFINITE, PUT_MUTEX, RING, Ring, SHUT } from './queue-ring.js';
import { TakeoverMutex } from './takeover-mutex.js';
import { NOT_YET, TIMED_OUT, timeoutOf, waitAsync, waitSync } from '../memory/wait.js';
import type { WaitSet } from '../memory/wait-set.js';

// The shared memory (its layout, who writes and reads each slot, which write commits) is in
// queue-ring.ts; the two mutexes that order the putters and the getters are in takeover-mutex.ts;
// what an item may be is in queue-item.ts. Here: the public methods and their waits.

/**
 * Extra lock-free checks before a blocking wait registers and sleeps: a put or a get holds MUTEX
 * for well under a microsecond, and the next item often comes as soon; a sleep costs two system
 * calls and a reschedule. Bounded (no timed re-check), and only in the blocking forms.
 */
const SPIN = 100;
const SPINNING = { spin: SPIN } as const;

/** Options of `new Queue(...)`. */
export interface QueueOptions {
  /** How many items the queue holds at most; default Infinity. */
  maxSize?: number;
  /** Bytes of the shared buffer that holds the serialized items (each takes 4 more); default 1 MiB. */
  maxBytes?: number;
}

const OPTION_KEYS = new Set(['maxSize', 'maxBytes']);
const SHUTDOWN_KEYS = new Set(['immediate']);

/** The options of `shutdown()` checked; returns `immediate` (default false). @internal Also the proxy's (remote.ts). */
export function checkShutdownOptions(options: unknown): boolean {
  const { immediate } = validateOptions(options, 'shutdown()', SHUTDOWN_KEYS);
  validateBoolean(immediate, 'immediate');
  return immediate === true;
}

export class Queue<T = unknown> {
  readonly #ring: Ring;
  /** The ring's slots (DONE, SHUT). */
  readonly #mem: Int32Array;
  readonly #putMutex: TakeoverMutex;
  readonly #getMutex: TakeoverMutex;
  readonly #getters: WaitSet;
  readonly #putters: WaitSet;
  readonly #joiners: WaitSet;

  /**
   * A FIFO queue of at most `maxSize` items (default Infinity) in `maxBytes` of shared memory
   * (default 1 MiB).
   * @throws {RangeError} when `maxSize` is not an integer >= 1 or Infinity, or `maxBytes` not an integer >= 1.
   * @throws {TypeError} when `options` is not an object or names an unknown option.
   */
  constructor(options?: QueueOptions) {
    const state = adopted<SharedArrayBuffer>();
    let buffer: SharedArrayBuffer;
    if (state !== undefined) buffer = state;
    else {
      validateOptions(options, 'Queue', OPTION_KEYS);
      const maxSize = options?.maxSize ?? Infinity;
      if (maxSize !== Infinity) {
        if (typeof maxSize !== 'number' || !Number.isInteger(maxSize) || maxSize < 1) {
          throw new RangeError(`Expected \`maxSize\` to be an integer >= 1 or Infinity, ${got(maxSize)}`);
        }
      }
      const maxBytes = options?.maxBytes ?? 1024 * 1024;
      validateInt(maxBytes, 'maxBytes', 1, 0x7fffffff - RING);
      buffer = Ring.allocate(maxSize === Infinity ? INFINITE : Math.min(maxSize, INFINITE), maxBytes);
    }
    const ring = new Ring(buffer);
    this.#ring = ring;
    this.#mem = ring.mem;
    const fresh = state === undefined;
    this.#putMutex = new TakeoverMutex(ring.mem, PUT_MUTEX, ring.waitSet('putMutex', fresh), { spin: SPIN });
    this.#getters = ring.waitSet('getters', fresh);
    this.#putters = ring.waitSet('putters', fresh);
    this.#joiners = ring.waitSet('joiners', fresh);
    // shutdown({ immediate }) takes GET_MUTEX holding PUT_MUTEX (the only place that holds two).
    this.#getMutex = new TakeoverMutex(ring.mem, GET_MUTEX, ring.waitSet('getMutex', fresh), { spin: SPIN, outer: PUT_MUTEX });
  }

  get [KIND](): 'Queue' {
    return 'Queue';
  }

  [SHARE](): SharedArrayBuffer {
    return this.#mem.buffer as SharedArrayBuffer;
  }

  /** The most items it holds (Infinity: unbounded). */
  get maxSize(): number {
    const max = this.#ring.maxItems;
    return max === INFINITE ? Infinity : max;
  }

  /** Bytes of shared memory for the serialized items. */
  get maxBytes(): number {
    return this.#ring.capacity;
  }

  /** How many items are in the queue now. */
  get size(): number {
    return this.#ring.size;
  }

  /** Whether the queue holds no item now. */
  empty(): boolean {
    return this.size === 0;
  }

  /** Whether the queue holds `maxSize` items now (never for an unbounded one). */
  full(): boolean {
    return this.size >= this.#ring.maxItems;
  }

  /**
   * Puts `item` at the end, blocking while the queue is full (by `maxSize` or by `maxBytes`).
   * @throws {TaskError} when the item cannot be cloned, holds a SharedArrayBuffer or a shared
   * object, or is larger than `maxBytes` alone: nothing is put.
   * @throws {QueueShutDownError} when the queue is (or gets) shut down.
   * @throws {TimeoutError} when `timeoutMs` passed first; nothing is put.
   * @throws {CancelledError} when the calling thread is cancelled; nothing is put.
   */
  putSync(item: T, timeoutMs?: number): void {
    const ms = timeoutOf(timeoutMs);
    const bytes = this.#encode(item);
    if (this.#tryPut(bytes)) return;
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    for (;;) {
      const ready = waitSync(this.#putters, this.#roomFor(bytes.length), left(deadline), SPINNING);
      if (ready === TIMED_OUT) throw this.#timeout('putSync', ms);
      this.#putMutex.lockSync();
      if (this.#commitPut(bytes)) return;
    }
  }

  /** The async twin of putSync(): never blocks the event loop. */
  async put(item: T, timeoutMs?: number): Promise<void> {
    const ms = timeoutOf(timeoutMs);
    const bytes = this.#encode(item);
    if (this.#tryPut(bytes)) return;
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    for (;;) {
      const ready = await waitAsync(this.#putters, this.#roomFor(bytes.length), left(deadline));
      if (ready === TIMED_OUT) throw this.#timeout('put', ms);
      await this.#putMutex.lock();
      if (this.#commitPut(bytes)) return;
    }
  }

  /**
   * Puts `item` if there is room now.
   * @throws {QueueFullError} when there is not; and as putSync() does.
   */
  putNowait(item: T): void {
    const bytes = this.#encode(item);
    if (this.#roomFor(bytes.length)() === true) {
      this.#putMutex.lockSync();
      if (this.#commitPut(bytes)) return;
    }
    throw new QueueFullError(
      `putNowait() of a full Queue (${this.size} items${this.maxSize === Infinity ? '' : ` of ${this.maxSize}`}, ${this.maxBytes} bytes).`,
    );
  }

  /**
   * Removes and returns the first item, blocking while the queue is empty. After shutdown() it
   * drains what is left, then throws.
   * @throws {QueueShutDownError} when the queue is shut down and empty.
   * @throws {TimeoutError} when `timeoutMs` passed first; no item is taken.
   * @throws {CancelledError} when the calling thread is cancelled; no item is taken.
   */
  getSync(timeoutMs?: number): T {
    const ms = timeoutOf(timeoutMs);
    const now = this.#tryGet();
    if (now !== NOT_YET) return now;
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    for (;;) {
      const ready = waitSync(this.#getters, this.#itemOrShut, left(deadline), SPINNING);
      if (ready === TIMED_OUT) throw this.#timeout('getSync', ms);
      this.#getMutex.lockSync();
      const got = this.#commitGet();
      if (got !== NOT_YET) return got;
    }
  }

  /** The async twin of getSync(): never blocks the event loop. */
  async get(timeoutMs?: number): Promise<T> {
    const ms = timeoutOf(timeoutMs);
    const now = this.#tryGet();
    if (now !== NOT_YET) return now;
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    for (;;) {
      const ready = await waitAsync(this.#getters, this.#itemOrShut, left(deadline));
      if (ready === TIMED_OUT) throw this.#timeout('get', ms);
      await this.#getMutex.lock();
      const got = this.#commitGet();
      if (got !== NOT_YET) return got;
    }
  }

  /**
   * Removes and returns the first item if there is one now.
   * @throws {QueueEmptyError} when there is none.
   * @throws {QueueShutDownError} when the queue is shut down and empty.
   */
  getNowait(): T {
    if (this.#itemOrShut() === true) {
      this.#getMutex.lockSync();
      const got = this.#commitGet();
      if (got !== NOT_YET) return got;
    }
    throw new QueueEmptyError('getNowait() of an empty Queue.');
  }

  /**
   * Says one item taken from the queue has been processed; once every item put is done, join() returns.
   * @throws {RangeError} when called more times than items were put.
   */
  taskDone(): void {
    for (;;) {
      const done = Atomics.load(this.#mem, DONE);
      const put = this.#ring.produced;
      const unfinished = (put - done) >>> 0;
      if (unfinished === 0) throw new RangeError('taskDone() called more times than items were put in the Queue.');
      if (Atomics.compareExchange(this.#mem, DONE, done, (done + 1) | 0) !== done) continue;
      if (unfinished === 1) this.#joiners.wakeAll();
      return;
    }
  }

  /**
   * Blocks until every item put has been marked done with taskDone().
   * @throws {TimeoutError} when `timeoutMs` passed first.
   * @throws {CancelledError} when the calling thread is cancelled.
   */
  joinSync(timeoutMs?: number): void {
    const ms = timeoutOf(timeoutMs);
    if (waitSync(this.#joiners, this.#allDone, ms) === TIMED_OUT) throw this.#timeout('joinSync', ms);
  }

  /** The async twin of joinSync(). */
  async join(timeoutMs?: number): Promise<void> {
    const ms = timeoutOf(timeoutMs);
    if ((await waitAsync(this.#joiners, this.#allDone, ms)) === TIMED_OUT) throw this.#timeout('join', ms);
  }

  /**
   * Shuts the queue down (Python 3.13): later puts throw QueueShutDownError and gets drain what is
   * left, then throw it. `immediate: true` also drops what is left, counting it done (join()
   * returns), and wakes every waiter with the error. Idempotent; immediate may follow a plain one.
   */
  shutdown(options?: { immediate?: boolean }): void {
    const immediate = checkShutdownOptions(options);
    const level = immediate ? 2 : 1;
    for (;;) {
      const shut = Atomics.load(this.#mem, SHUT);
      if (shut >= level || Atomics.compareExchange(this.#mem, SHUT, shut, level) === shut) break;
    }
    if (immediate) {
      this.#putMutex.lockSync(); // both, so that no put commits after the drop
      try {
        this.#getMutex.lockSync();
        try {
          this.#ring.drop();
        } finally {
          this.#getMutex.unlock(true);
        }
      } finally {
        this.#putMutex.unlock();
      }
      this.#joiners.wakeAll();
    }
    this.#getters.wakeAll();
    this.#putters.wakeAll();
  }

  /** Yields items (by get()) until the queue is shut down and empty. Does not call taskDone(). */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return untilShutDown(() => this.get());
  }

  /**
   * The fast path of a put: when the caller is not cancelled, there is room and PUT_MUTEX is
   * free, commits at once (what the wait's first attempt would do, without its set-up); else false.
   */
  #tryPut(bytes: Uint8Array): boolean {
    if (callerCancelled() || Atomics.load(this.#mem, SHUT) !== 0 || !this.#ring.fits(bytes.length)) return false;
    return this.#putMutex.take() === true && this.#commitPut(bytes);
  }

  /** The fast path of a get, as #tryPut: the first item, or NOT_YET. */
  #tryGet(): T | typeof NOT_YET {
    if (callerCancelled() || this.size === 0 || this.#getMutex.take() !== true) return NOT_YET;
    return this.#commitGet();
  }

  #encode(item: T): Uint8Array {
    if (Atomics.load(this.#mem, SHUT) !== 0) throw shutDown('put');
    const bytes = encodeItem(item);
    if (bytes.length + HEADER > this.maxBytes) throw tooLarge(bytes.length + HEADER, this.maxBytes);
    return bytes;
  }

  /** Lock-free check: whether an item of `length` bytes fits now (or the queue is shut down: the commit throws). */
  #roomFor(length: number): () => true | typeof NOT_YET {
    return () => (Atomics.load(this.#mem, SHUT) !== 0 || this.#ring.fits(length) ? true : NOT_YET);
  }

  readonly #itemOrShut = (): true | typeof NOT_YET => (this.size > 0 || Atomics.load(this.#mem, SHUT) !== 0 ? true : NOT_YET);

  readonly #allDone = (): true | typeof NOT_YET => ((this.#ring.produced - Atomics.load(this.#mem, DONE)) >>> 0 === 0 ? true : NOT_YET);

  /** Holding PUT_MUTEX (released here): writes and commits the record, or says there is no room. */
  #commitPut(bytes: Uint8Array): boolean {
    try {
      if (Atomics.load(this.#mem, SHUT) !== 0) throw shutDown('put');
      if (!this.#ring.put(bytes)) return false;
    } finally {
      this.#putMutex.unlock();
    }
    if (this.#getters.waiting) this.#getters.wakeOne();
    return true;
  }

  /** Holding GET_MUTEX (released here): copies the first record out and commits, or NOT_YET when empty. */
  #commitGet(): T | typeof NOT_YET {
    let bytes: Uint8Array | undefined;
    try {
      bytes = this.#ring.take();
      if (bytes === undefined) {
        if (Atomics.load(this.#mem, SHUT) !== 0) throw shutDown('get');
        return NOT_YET;
      }
    } finally {
      this.#getMutex.unlock();
    }
    if (this.#putters.waiting) this.#putters.wakeOne();
    return decode(bytes) as T;
  }

  #timeout(method: string, ms: number): TimeoutError {
    return new TimeoutError(`${method}() of a Queue timed out after ${ms} ms.`);
  }
}

brand(Queue, ['Queue']);

/** Milliseconds left until `deadline` (a performance.now() time, or Infinity), at least 0. */
function left(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

function shutDown(what: 'put' | 'get'): QueueShutDownError {
  return new QueueShutDownError(
    what === 'put' ? 'put() of a Queue that was shut down.' : 'get() of a Queue that was shut down and is empty.',
  );
}

/** Yields what `get` gives until it throws QueueShutDownError (a Queue's iterator, or its proxy's). @internal */
export async function* untilShutDown<T>(get: () => Promise<T>): AsyncGenerator<T, void, undefined> {
  for (;;) {
    try {
      yield await get();
    } catch (error) {
      if (error instanceof QueueShutDownError) return;
      throw error;
    }
  }
}
