// Queue: Python's queue.Queue(maxsize) in shared memory; items cross by structured clone through a ring buffer.

import { QueueEmptyError, QueueFullError, QueueShutDownError, TaskError, TimeoutError, describe, got } from '../errors.js';
import { callerCancelled } from '../internal/context.js';
import { validateBoolean, validateOptions } from '../internal/validate.js';
import { alive, generation, home, setHolding } from '../internal/wake-table.js';
import { KIND, SHARE, adopted, brand, validateInt } from './brand.js';
import { NOT_YET, TIMED_OUT, timeoutOf, waitAsync, waitSync } from './wait.js';
import { WaitSet } from './wait-set.js';
import { decode, encodePlain, encodeV8, scratch } from './item-codec.js';
import { forbiddenInItem } from './walk.js';

/**
 * Layout of the queue's SharedArrayBuffer:
 *
 * | where                    | written by                          | read by    | values / wake-up after the write          |
 * |--------------------------|-------------------------------------|------------|-------------------------------------------|
 * | `PRODUCED` (BigInt64 0)  | a putter holding PUT_MUTEX (one     | everyone   | tail byte position << 32 | items put      |
 * |                          | store)                              |            |                                           |
 * |                          |                                     |            | (wraps); wakes one getter                 |
 * | `CONSUMED` (BigInt64 1)  | a getter holding GET_MUTEX,         | everyone   | head byte position << 32 | items taken    |
 * |                          | shutdown immediate holding both     |            | (or dropped); wakes one putter            |
 * |                          | (one store)                         |            |                                           |
 * | `DONE` (Int32 4)         | taskDone (compareExchange),         | join,      | items done (wraps); wakes every joiner    |
 * |                          | shutdown immediate (add the dropped)| taskDone   | when it reaches the items put             |
 * | `SHUT` (Int32 5)         | shutdown (store)                    | everyone   | 0 open, 1 shut down, 2 immediately;       |
 * |                          |                                     |            | wakes every getter, putter, joiner        |
 * | `MAX_SIZE` (Int32 6)     | the creator, once                   | put        | items allowed (0x7fffffff: Infinity)      |
 * | `CAPACITY` (Int32 7)     | the creator, once                   | everyone   | bytes of the ring (maxBytes)              |
 * | `PUT_MUTEX` (Int32 8),   | tryLock (compareExchange 0 -> me,   | tryLock    | 0 free, else the holder's token           |
 * | `GET_MUTEX` (Int32 9)    | or a gone holder -> me), unlock     |            | (generation << 13 | block + 1); unlock    |
 * |                          | (store 0)                           |            | wakes one waiter of that mutex            |
 * | wait sets (Int32 12..)   | wait-set.ts                         |            | PUT_MUTEX, GETTERS, PUTTERS, JOINERS,     |
 * |                          |                                     |            | GET_MUTEX                                 |
 * | ring (after them)        | a putter holding PUT_MUTEX, between | a getter   | records: u32 length (LE), a tag byte, the |
 * |                          | tail and head                       | holding    | item (see encodeItem); wrapping at the end|
 * |                          |                                     | GET_MUTEX  |                                           |
 *
 * A put writes its record past the tail, then commits with one store of PRODUCED; a get copies
 * the record at the head out, then commits with one store of CONSUMED. A thread terminated
 * before its commit changed nothing the others can see: no half item, no lost item. PUT_MUTEX
 * orders the putters among themselves and GET_MUTEX the getters among themselves, so a putter
 * and a getter never wait for each other: a putter reads CONSUMED (a stale value only hides
 * room) and writes only between tail and head; a getter reads PRODUCED (a stale value only
 * hides items) and reads only committed records. shutdown({ immediate }) takes both (PUT_MUTEX
 * first, the only place that holds two), so no put commits after its drop. A holder sets its
 * block's HOLDING slot first (wake-table.ts), so when it is terminated while holding, its owner's
 * free() wakes every waiter, and the first to retry finds the holder gone (its block freed or
 * reused: another generation) and takes the mutex over. Waits for room or items check the
 * counters without the mutex, then take it to commit. A blocking wait (for MUTEX, room or an
 * item) re-checks SPIN times before it registers and sleeps.
 */
const PRODUCED = 0;
const CONSUMED = 1;
const DONE = 4;
const SHUT = 5;
const MAX_SIZE = 6;
const CAPACITY = 7;
const PUT_MUTEX = 8;
const GET_MUTEX = 9;
const SETS = 12;
const RING = (SETS + 5 * WaitSet.SLOTS) * Int32Array.BYTES_PER_ELEMENT;
const INFINITE = 0x7fffffff;
/**
 * Extra lock-free checks before a blocking wait registers and sleeps: a put or a get holds MUTEX
 * for well under a microsecond, and the next item often comes as soon; a sleep costs two system
 * calls and a reschedule. Bounded (no timed re-check), and only in the blocking forms.
 */
const SPIN = 100;
const SPINNING = { spin: SPIN } as const;
const MUTEX_WAIT = { cancellable: false, spin: SPIN } as const;
const HEADER = 4;

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
  readonly #words: BigInt64Array;
  readonly #mem: Int32Array;
  readonly #ring: Uint8Array;
  readonly #putMutexWaiters: WaitSet;
  readonly #getMutexWaiters: WaitSet;
  readonly #getters: WaitSet;
  readonly #putters: WaitSet;
  readonly #joiners: WaitSet;
  /** CAPACITY and MAX_SIZE, read once: the creator writes them before the queue is shared. */
  readonly #capacity: number;
  readonly #maxItems: number;

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
      buffer = new SharedArrayBuffer(RING + maxBytes);
      const mem = new Int32Array(buffer, 0, SETS);
      mem[MAX_SIZE] = maxSize === Infinity ? INFINITE : Math.min(maxSize, INFINITE);
      mem[CAPACITY] = maxBytes;
    }
    this.#words = new BigInt64Array(buffer, 0, 2);
    this.#mem = new Int32Array(buffer, 0, RING / Int32Array.BYTES_PER_ELEMENT);
    this.#ring = new Uint8Array(buffer, RING);
    this.#capacity = this.#mem[CAPACITY]!;
    this.#maxItems = this.#mem[MAX_SIZE]!;
    const fresh = state === undefined;
    this.#putMutexWaiters = new WaitSet(this.#mem, SETS, fresh);
    this.#getters = new WaitSet(this.#mem, SETS + WaitSet.SLOTS, fresh);
    this.#putters = new WaitSet(this.#mem, SETS + 2 * WaitSet.SLOTS, fresh);
    this.#joiners = new WaitSet(this.#mem, SETS + 3 * WaitSet.SLOTS, fresh);
    this.#getMutexWaiters = new WaitSet(this.#mem, SETS + 4 * WaitSet.SLOTS, fresh);
  }

  get [KIND](): 'Queue' {
    return 'Queue';
  }

  [SHARE](): SharedArrayBuffer {
    return this.#mem.buffer as SharedArrayBuffer;
  }

  /** The most items it holds (Infinity: unbounded). */
  get maxSize(): number {
    const max = this.#maxItems;
    return max === INFINITE ? Infinity : max;
  }

  /** Bytes of shared memory for the serialized items. */
  get maxBytes(): number {
    return this.#capacity;
  }

  /** How many items are in the queue now. */
  get size(): number {
    return (count(Atomics.load(this.#words, PRODUCED)) - count(Atomics.load(this.#words, CONSUMED))) >>> 0;
  }

  /** Whether the queue holds no item now. */
  empty(): boolean {
    return this.size === 0;
  }

  /** Whether the queue holds `maxSize` items now (never for an unbounded one). */
  full(): boolean {
    return this.size >= this.#maxItems;
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
      this.#lockSync(PUT_MUTEX);
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
      await this.#lock(PUT_MUTEX);
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
      this.#lockSync(PUT_MUTEX);
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
      this.#lockSync(GET_MUTEX);
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
      await this.#lock(GET_MUTEX);
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
      this.#lockSync(GET_MUTEX);
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
      const put = count(Atomics.load(this.#words, PRODUCED));
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
      this.#lockSync(PUT_MUTEX); // both, so that no put commits after the drop
      try {
        this.#lockSync(GET_MUTEX);
        try {
          const produced = Atomics.load(this.#words, PRODUCED);
          const consumed = Atomics.load(this.#words, CONSUMED);
          const dropped = (count(produced) - count(consumed)) >>> 0;
          Atomics.store(this.#words, CONSUMED, produced);
          Atomics.add(this.#mem, DONE, dropped);
        } finally {
          this.#unlock(GET_MUTEX, true);
        }
      } finally {
        this.#unlock(PUT_MUTEX);
      }
      this.#joiners.wakeAll();
    }
    this.#getters.wakeAll();
    this.#putters.wakeAll();
  }

  /** Yields items (by get()) until the queue is shut down and empty. Does not call taskDone(). */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof QueueShutDownError) return;
        throw error;
      }
    }
  }

  /**
   * The fast path of a put: when the caller is not cancelled, there is room and PUT_MUTEX is
   * free, commits at once (what the wait's first attempt would do, without its set-up); else false.
   */
  #tryPut(bytes: Uint8Array): boolean {
    if (callerCancelled() || Atomics.load(this.#mem, SHUT) !== 0 || !this.#fits(bytes.length)) return false;
    return this.#takePut() === true && this.#commitPut(bytes);
  }

  /** The fast path of a get, as #tryPut: the first item, or NOT_YET. */
  #tryGet(): T | typeof NOT_YET {
    if (callerCancelled() || this.size === 0 || this.#takeGet() !== true) return NOT_YET;
    return this.#commitGet();
  }

  #encode(item: T): Uint8Array {
    if (Atomics.load(this.#mem, SHUT) !== 0) throw shutDown('put');
    const bytes = encodeItem(item);
    if (bytes.length + HEADER > this.maxBytes) {
      throw new TaskError(
        `Cannot put the item in a Queue: it takes ${bytes.length + HEADER} bytes serialized, more than the queue's maxBytes (${this.maxBytes}). ` +
          'Create the Queue with a larger maxBytes, or put smaller items.',
      );
    }
    return bytes;
  }

  /** Lock-free check: whether an item of `length` bytes fits now (or the queue is shut down: the commit throws). */
  #roomFor(length: number): () => true | typeof NOT_YET {
    return () => (Atomics.load(this.#mem, SHUT) !== 0 || this.#fits(length) ? true : NOT_YET);
  }

  #fits(length: number): boolean {
    return this.#fitsIn(Atomics.load(this.#words, PRODUCED), Atomics.load(this.#words, CONSUMED), length);
  }

  #fitsIn(produced: bigint, consumed: bigint, length: number): boolean {
    const items = (count(produced) - count(consumed)) >>> 0;
    if (items >= this.#maxItems) return false;
    return used(produced, consumed, items, this.#capacity) + HEADER + length <= this.#capacity;
  }

  readonly #itemOrShut = (): true | typeof NOT_YET => (this.size > 0 || Atomics.load(this.#mem, SHUT) !== 0 ? true : NOT_YET);

  readonly #allDone = (): true | typeof NOT_YET =>
    (count(Atomics.load(this.#words, PRODUCED)) - Atomics.load(this.#mem, DONE)) >>> 0 === 0 ? true : NOT_YET;

  /** Holding the mutex (released here): writes and commits the record, or says there is no room. */
  #commitPut(bytes: Uint8Array): boolean {
    try {
      if (Atomics.load(this.#mem, SHUT) !== 0) throw shutDown('put');
      const produced = Atomics.load(this.#words, PRODUCED);
      if (!this.#fitsIn(produced, Atomics.load(this.#words, CONSUMED), bytes.length)) return false;
      const tail = position(produced);
      const capacity = this.#capacity;
      const length = bytes.length;
      for (let i = 0; i < HEADER; i += 1) this.#ring[(tail + i) % capacity] = (length >>> (8 * i)) & 0xff;
      const end = this.#write((tail + HEADER) % capacity, bytes);
      Atomics.store(this.#words, PRODUCED, pack(end, count(produced) + 1));
    } finally {
      this.#unlock(PUT_MUTEX);
    }
    if (this.#getters.waiting) this.#getters.wakeOne();
    return true;
  }

  /** Holding the mutex (released here): copies the first record out and commits, or NOT_YET when empty. */
  #commitGet(): T | typeof NOT_YET {
    let bytes: Uint8Array;
    try {
      const produced = Atomics.load(this.#words, PRODUCED);
      const consumed = Atomics.load(this.#words, CONSUMED);
      if (count(produced) === count(consumed)) {
        if (Atomics.load(this.#mem, SHUT) !== 0) throw shutDown('get');
        return NOT_YET;
      }
      const head = position(consumed);
      const capacity = this.#capacity;
      let length = 0;
      for (let i = 0; i < HEADER; i += 1) length |= this.#ring[(head + i) % capacity]! << (8 * i);
      length >>>= 0;
      bytes = this.#read((head + HEADER) % capacity, length);
      Atomics.store(this.#words, CONSUMED, pack((head + HEADER + length) % capacity, count(consumed) + 1));
    } finally {
      this.#unlock(GET_MUTEX);
    }
    if (this.#putters.waiting) this.#putters.wakeOne();
    return decodeItem(bytes) as T;
  }

  #write(at: number, bytes: Uint8Array): number {
    const capacity = this.#capacity;
    if (bytes.length <= 64) {
      // Small items: a loop beats two subarray() views and set().
      for (let i = 0; i < bytes.length; i += 1) this.#ring[(at + i) % capacity] = bytes[i]!;
      return (at + bytes.length) % capacity;
    }
    const first = Math.min(bytes.length, capacity - at);
    this.#ring.set(bytes.subarray(0, first), at);
    if (first < bytes.length) this.#ring.set(bytes.subarray(first), 0);
    return (at + bytes.length) % capacity;
  }

  /** Copies a record out into the codec's scratch (valid until the next read of this thread). */
  #read(at: number, length: number): Uint8Array {
    const out = scratch(length);
    if (length <= 64) {
      const capacity = this.#capacity;
      for (let i = 0; i < length; i += 1) out[i] = this.#ring[(at + i) % capacity]!;
      return out;
    }
    const first = Math.min(length, this.#capacity - at);
    out.set(this.#ring.subarray(at, at + first));
    if (first < length) out.set(this.#ring.subarray(0, length - first), first);
    return out;
  }

  /** Takes `mutex`, or takes it over from a holder that is gone. */
  #take(mutex: number): true | typeof NOT_YET {
    const b = home();
    const token = (generation(b) << 13) | (b + 1);
    setHolding(b, 1);
    const holder = Atomics.compareExchange(this.#mem, mutex, 0, token);
    if (holder === 0) return true;
    if (!alive((holder & 0x1fff) - 1, holder >>> 13) && Atomics.compareExchange(this.#mem, mutex, holder, token) === holder) return true;
    if (mutex === GET_MUTEX && Atomics.load(this.#mem, PUT_MUTEX) === token) return NOT_YET; // shutdown: still holds PUT_MUTEX
    setHolding(b, 0);
    return NOT_YET;
  }

  readonly #takePut = (): true | typeof NOT_YET => this.#take(PUT_MUTEX);
  readonly #takeGet = (): true | typeof NOT_YET => this.#take(GET_MUTEX);

  #lockSync(mutex: typeof PUT_MUTEX | typeof GET_MUTEX): void {
    const take = mutex === PUT_MUTEX ? this.#takePut : this.#takeGet;
    if (take() === true) return;
    waitSync(mutex === PUT_MUTEX ? this.#putMutexWaiters : this.#getMutexWaiters, take, Infinity, MUTEX_WAIT);
  }

  async #lock(mutex: typeof PUT_MUTEX | typeof GET_MUTEX): Promise<void> {
    const take = mutex === PUT_MUTEX ? this.#takePut : this.#takeGet;
    await waitAsync(mutex === PUT_MUTEX ? this.#putMutexWaiters : this.#getMutexWaiters, take, Infinity, MUTEX_WAIT);
  }

  /** Releases `mutex`; `holding`: another one is still held (shutdown), so HOLDING stays set. */
  #unlock(mutex: typeof PUT_MUTEX | typeof GET_MUTEX, holding = false): void {
    Atomics.store(this.#mem, mutex, 0);
    if (!holding) setHolding(home(), 0);
    const waiters = mutex === PUT_MUTEX ? this.#putMutexWaiters : this.#getMutexWaiters;
    if (waiters.waiting) waiters.wakeOne();
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

function count(word: bigint): number {
  return Number(word & 0xffffffffn);
}

function position(word: bigint): number {
  return Number(word >> 32n);
}

function pack(at: number, items: number): bigint {
  return (BigInt(at) << 32n) | BigInt(items >>> 0);
}

/** Bytes in use between head and tail; a full ring (tail = head with items in it) is all of it. */
function used(produced: bigint, consumed: bigint, items: number, capacity: number): number {
  if (items === 0) return 0;
  const bytes = (position(produced) - position(consumed) + capacity) % capacity;
  return bytes === 0 ? capacity : bytes;
}

/**
 * The tagged bytes of `item` (item-codec.ts): plain data by hand, the rest by v8's serializer.
 * @throws {TaskError} when it holds a SharedArrayBuffer, a shared object, a pool or a Future, or cannot be cloned.
 */
function encodeItem(item: unknown): Uint8Array {
  try {
    const plain = encodePlain(item);
    if (plain !== undefined) return plain;
  } catch (error) {
    throw uncloneable(error); // a getter of the item threw
  }
  const bad = forbiddenInItem(item);
  if (bad !== undefined) {
    throw new TaskError(
      `Cannot put ${bad} in a Queue: items are copied by structured clone and may not hold SharedArrayBuffers, shared objects, pools or Futures. Pass shared things in \`args\` instead.`,
    );
  }
  try {
    return encodeV8(item);
  } catch (error) {
    throw uncloneable(error);
  }
}

function uncloneable(error: unknown): TaskError {
  return new TaskError(
    `Cannot put the item in a Queue: it cannot be cloned (${describe(error)}). Put data that structured clone can copy.`,
    {
      cause: error,
    },
  );
}

function decodeItem(bytes: Uint8Array): unknown {
  return decode(bytes);
}
