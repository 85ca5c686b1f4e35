// A Queue's shared memory: the layout of its SharedArrayBuffer, and the ring of records with the two words that commit it.

import { scratch } from './item-codec.js';
import { WaitSet } from '../memory/wait-set.js';

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
 * |                          | (store 0): takeover-mutex.ts        |            | wakes one waiter of that mutex            |
 * | wait sets (Int32 12..)   | wait-set.ts                         |            | PUT_MUTEX, GETTERS, PUTTERS, JOINERS,     |
 * |                          |                                     |            | GET_MUTEX                                 |
 * | ring (after them)        | a putter holding PUT_MUTEX, between | a getter   | records: u32 length (LE), a tag byte, the |
 * |                          | tail and head                       | holding    | item (see queue-item.ts); wrapping at the |
 * |                          |                                     | GET_MUTEX  | end                                       |
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
 * reused: another generation) and takes the mutex over (takeover-mutex.ts). Waits for room or
 * items check the counters without the mutex, then take it to commit. A blocking wait (for MUTEX,
 * room or an item) re-checks SPIN times (queue.ts) before it registers and sleeps.
 */
const PRODUCED = 0;
const CONSUMED = 1;
export const DONE = 4;
export const SHUT = 5;
const MAX_SIZE = 6;
const CAPACITY = 7;
export const PUT_MUTEX = 8;
export const GET_MUTEX = 9;
/** The first wait set's slot; each takes WaitSet.SLOTS, in the order of `WAIT_SETS`. */
const SETS = 12;
/** The wait sets, in their order in the layout. */
export const WAIT_SETS = ['putMutex', 'getters', 'putters', 'joiners', 'getMutex'] as const;
/** Byte offset of the ring: after the slots and the wait sets. */
export const RING = (SETS + WAIT_SETS.length * WaitSet.SLOTS) * Int32Array.BYTES_PER_ELEMENT;
/** MAX_SIZE's value for an unbounded queue. */
export const INFINITE = 0x7fffffff;
/** Bytes of a record's length prefix. */
export const HEADER = 4;

/** The queue's words and its ring, viewed in one thread; the callers hold the mutex each method names. */
export class Ring {
  /** The Int32 slots before the ring (DONE, SHUT, the mutexes, the wait sets). */
  readonly mem: Int32Array;
  readonly #words: BigInt64Array;
  readonly #bytes: Uint8Array;
  /** CAPACITY and MAX_SIZE, read once: the creator writes them before the queue is shared. */
  readonly capacity: number;
  readonly maxItems: number;

  /** A new queue's buffer: `maxItems` (INFINITE: unbounded) in a ring of `maxBytes`. */
  static allocate(maxItems: number, maxBytes: number): SharedArrayBuffer {
    const buffer = new SharedArrayBuffer(RING + maxBytes);
    const mem = new Int32Array(buffer, 0, SETS);
    mem[MAX_SIZE] = maxItems;
    mem[CAPACITY] = maxBytes;
    return buffer;
  }

  constructor(buffer: SharedArrayBuffer) {
    this.#words = new BigInt64Array(buffer, 0, 2);
    this.mem = new Int32Array(buffer, 0, RING / Int32Array.BYTES_PER_ELEMENT);
    this.#bytes = new Uint8Array(buffer, RING);
    this.capacity = this.mem[CAPACITY]!;
    this.maxItems = this.mem[MAX_SIZE]!;
  }

  /** The wait set `name` of the layout; `fresh`: the creating side, which gives it its id. */
  waitSet(name: (typeof WAIT_SETS)[number], fresh: boolean): WaitSet {
    return new WaitSet(this.mem, SETS + WAIT_SETS.indexOf(name) * WaitSet.SLOTS, fresh);
  }

  /** Items in the ring now. */
  get size(): number {
    return (count(Atomics.load(this.#words, PRODUCED)) - count(Atomics.load(this.#words, CONSUMED))) >>> 0;
  }

  /** Items ever put (wraps at 2^32): join() is done when DONE reaches it. */
  get produced(): number {
    return count(Atomics.load(this.#words, PRODUCED));
  }

  /** Lock-free check: whether a record of `length` bytes fits now (by items and by bytes). */
  fits(length: number): boolean {
    return this.#fitsIn(Atomics.load(this.#words, PRODUCED), Atomics.load(this.#words, CONSUMED), length);
  }

  #fitsIn(produced: bigint, consumed: bigint, length: number): boolean {
    const items = (count(produced) - count(consumed)) >>> 0;
    if (items >= this.maxItems) return false;
    return used(produced, consumed, items, this.capacity) + HEADER + length <= this.capacity;
  }

  /** Holding PUT_MUTEX: writes the record of `bytes` past the tail and commits it (PRODUCED); false when it does not fit. */
  put(bytes: Uint8Array): boolean {
    const produced = Atomics.load(this.#words, PRODUCED);
    if (!this.#fitsIn(produced, Atomics.load(this.#words, CONSUMED), bytes.length)) return false;
    const tail = position(produced);
    const capacity = this.capacity;
    const length = bytes.length;
    for (let i = 0; i < HEADER; i += 1) this.#bytes[(tail + i) % capacity] = (length >>> (8 * i)) & 0xff;
    const end = this.#write((tail + HEADER) % capacity, bytes);
    Atomics.store(this.#words, PRODUCED, pack(end, count(produced) + 1));
    return true;
  }

  /**
   * Holding GET_MUTEX: copies the record at the head out and commits (CONSUMED); undefined when
   * the ring is empty. The bytes are the codec's scratch, valid until the next take of this thread.
   */
  take(): Uint8Array | undefined {
    const produced = Atomics.load(this.#words, PRODUCED);
    const consumed = Atomics.load(this.#words, CONSUMED);
    if (count(produced) === count(consumed)) return undefined;
    const head = position(consumed);
    const capacity = this.capacity;
    let length = 0;
    for (let i = 0; i < HEADER; i += 1) length |= this.#bytes[(head + i) % capacity]! << (8 * i);
    length >>>= 0;
    const bytes = this.#read((head + HEADER) % capacity, length);
    Atomics.store(this.#words, CONSUMED, pack((head + HEADER + length) % capacity, count(consumed) + 1));
    return bytes;
  }

  /** Holding both mutexes: drops every item (one store of CONSUMED) and counts them done; returns how many. */
  drop(): number {
    const produced = Atomics.load(this.#words, PRODUCED);
    const consumed = Atomics.load(this.#words, CONSUMED);
    const dropped = (count(produced) - count(consumed)) >>> 0;
    Atomics.store(this.#words, CONSUMED, produced);
    Atomics.add(this.mem, DONE, dropped);
    return dropped;
  }

  #write(at: number, bytes: Uint8Array): number {
    const capacity = this.capacity;
    if (bytes.length <= 64) {
      // Small items: a loop beats two subarray() views and set().
      for (let i = 0; i < bytes.length; i += 1) this.#bytes[(at + i) % capacity] = bytes[i]!;
      return (at + bytes.length) % capacity;
    }
    const first = Math.min(bytes.length, capacity - at);
    this.#bytes.set(bytes.subarray(0, first), at);
    if (first < bytes.length) this.#bytes.set(bytes.subarray(first), 0);
    return (at + bytes.length) % capacity;
  }

  /** Copies a record out into the codec's scratch (valid until the next read of this thread). */
  #read(at: number, length: number): Uint8Array {
    const out = scratch(length);
    if (length <= 64) {
      const capacity = this.capacity;
      for (let i = 0; i < length; i += 1) out[i] = this.#bytes[(at + i) % capacity]!;
      return out;
    }
    const first = Math.min(length, this.capacity - at);
    out.set(this.#bytes.subarray(at, at + first));
    if (first < length) out.set(this.#bytes.subarray(0, length - first), first);
    return out;
  }
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
