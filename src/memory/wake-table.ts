// The process-wide wake table: one SharedArrayBuffer holding one block of slots per thread and per pending async wait.
//
// Atomics.wait waits on one address, and a cancel must wake a thread blocked in any wait. So a
// thread never waits on an object's memory: it waits on the WAKE slot of its own block here, and
// whoever lets it proceed (a releaser, a setter, or cancel()) bumps that slot. Objects find their
// waiters through a WaitSet (src/memory/wait-set.ts): a bitmap of block indices in the object's
// own buffer. The table is created by the first thread of a process that needs it; threadkit
// passes a thread its cancel flag, a view of its block, so every thread of the process shares the
// table (a view keeps its byteOffset across postMessage; `flag.buffer` is the table).
//
// Layout (Int32 slots). Header:
//
// | index       | written by                         | read by        | values                        |
// |-------------|------------------------------------|----------------|-------------------------------|
// | `NEXT_ID`   | any thread creating a WaitSet, or  | the same       | ids handed out (Atomics.add)  |
// |             | serving a Process (serve.ts)       |                |                               |
// | `IN_USE`    | alloc/free (Atomics.add/sub)       | tests (leaks)  | blocks in use                 |
// | `HIGH`      | alloc (compareExchange, only ever  | wakers, free() | 1 + the highest block ever    |
// |             | raised), before it returns a block |                | handed out: scans stop there  |
//
// Block b, at HEADER + b * BLOCK (its first two slots are cancel-flag.ts's CANCEL and REASON):
//
// | slot      | written by                                   | read by                          | values / wake-up                  |
// |-----------|----------------------------------------------|----------------------------------|-----------------------------------|
// | `CANCEL`  | see cancel-flag.ts                           | see cancel-flag.ts               |                                   |
// | `REASON`  | see cancel-flag.ts                           | see cancel-flag.ts               |                                   |
// | `WAKE`    | anyone letting the block's waiter proceed,   | the waiter: Atomics.wait(WAKE,   | a counter, only ever incremented  |
// |           | cancel (raiseFlag), free() (broadcast)       | seen) after reading it           | (Atomics.add + Atomics.notify)    |
// | `WAITING` | the block's own waiter                       | wakers: a set bit whose block no | 0, or the id of the WaitSet it    |
// |           |                                              | longer waits on that set is stale| waits on right now                |
// | `STATE`   | alloc (compareExchange 0 -> 1), free (0)     | alloc; the mutex recovery        | 0 free, 1 in use                  |
// | `GEN`     | alloc (Atomics.add)                          | mutex recovery (is a holder gone)| generations of the block          |
// | `PARENT`  | alloc of an async wait's block               | free() of a thread's block       | 0, or 1 + the thread's block      |
// | `HOLDING` | the block's thread, around an internal mutex | free()                           | internal mutexes held (0 or 1)    |
//
// Lost wake-ups on terminate: a waker picks a waiter (clears its bit) and bumps its WAKE; if that
// waiter was terminated, the wake-up is lost for the others. So free() of a block that was in a
// wait (WAITING != 0) or held an internal mutex (HOLDING != 0) bumps the WAKE of every block that
// is waiting: they re-check their objects (a spurious wake-up is harmless), and one proceeds.
// HIGH bounds every scan of the table and of a WaitSet's bitmap (a block registers only after its
// alloc raised HIGH past it, so a waker that reads HIGH after its commit sees every bit that matters).
// The owner of a thread frees the thread's block (and its async-wait blocks) once the thread is
// gone; the main thread's block is never freed.

export const NEXT_ID = 0;
export const IN_USE = 1;
export const HIGH = 2;
const HEADER = 8;

export const CANCEL = 0;
export const REASON = 1;
export const WAKE = 2;
export const WAITING = 3;
const STATE = 4;
const GEN = 5;
const PARENT = 6;
const HOLDING = 7;
/** Slots per block. */
export const BLOCK = 8;
/** Blocks in a table: live threads plus pending async waits of a process. */
export const CAPACITY = 4096;

const TABLE_KEY = Symbol.for('threadkit.wake-table.v1');
const HOME_KEY = Symbol.for('threadkit.wake-home.v1');
const CONTEXT_KEY = Symbol.for('threadkit.context.v1');

type Globals = Record<symbol, unknown>;

/** The table of this process: the one the calling thread's flag lives in, else this thread's own. */
export function table(): Int32Array {
  const globals = globalThis as Globals;
  const cached = globals[TABLE_KEY] as Int32Array | undefined;
  if (cached !== undefined) return cached;
  const flag = (globals[CONTEXT_KEY] as { flag?: Int32Array } | undefined)?.flag;
  const created =
    flag !== undefined && flag.buffer.byteLength === bytes() ? new Int32Array(flag.buffer) : new Int32Array(new SharedArrayBuffer(bytes()));
  globals[TABLE_KEY] = created;
  return created;
}

function bytes(): number {
  return (HEADER + CAPACITY * BLOCK) * Int32Array.BYTES_PER_ELEMENT;
}

/** The slot index of block `b`'s slot `slot` in the table. */
export function slot(b: number, s: number): number {
  return HEADER + b * BLOCK + s;
}

/** The block index of a flag (a view of a block). */
export function blockOf(flag: Int32Array): number {
  return (flag.byteOffset / Int32Array.BYTES_PER_ELEMENT - HEADER) / BLOCK;
}

/** A view of block `b`, as cancel-flag.ts hands it out. */
export function view(b: number): Int32Array {
  const t = table();
  return new Int32Array(t.buffer, slot(b, 0) * Int32Array.BYTES_PER_ELEMENT, BLOCK);
}

/**
 * Takes the lowest free block (its CANCEL, REASON and WAITING at 0). `parent` is the thread block an async
 * wait's block belongs to, freed with it.
 * @throws {RangeError} when the table is full.
 */
export function alloc(parent = -1): number {
  const t = table();
  for (let n = 0; n < CAPACITY; n += 1) {
    const b = n; // the lowest free block, so that HIGH (and every scan) stays as small as the live blocks
    if (Atomics.load(t, slot(b, STATE)) !== 0 || Atomics.compareExchange(t, slot(b, STATE), 0, 1) !== 0) continue;
    Atomics.store(t, slot(b, CANCEL), 0);
    Atomics.store(t, slot(b, REASON), 0);
    Atomics.store(t, slot(b, WAITING), 0);
    Atomics.store(t, slot(b, HOLDING), 0);
    Atomics.store(t, slot(b, PARENT), parent + 1);
    Atomics.add(t, slot(b, GEN), 1);
    Atomics.add(t, IN_USE, 1);
    for (let high = Atomics.load(t, HIGH); high <= b; high = Atomics.load(t, HIGH)) {
      if (Atomics.compareExchange(t, HIGH, high, b + 1) === high) break;
    }
    return b;
  }
  throw new RangeError(
    `threadkit's wake table is full: ${CAPACITY} threads and pending waits are alive in this process. ` +
      'End some threads, or await fewer shared-object waits at once.',
  );
}

/**
 * Gives block `b` back; wakes every waiter when it was inside a wait or held an internal mutex.
 * `thread`: b is a thread's block, so its async-wait blocks go too (a scan of the table).
 */
export function free(b: number, thread = true): void {
  const t = table();
  if (Atomics.load(t, slot(b, STATE)) === 0) return;
  let broadcast = Atomics.exchange(t, slot(b, WAITING), 0) !== 0;
  broadcast = Atomics.exchange(t, slot(b, HOLDING), 0) !== 0 || broadcast;
  Atomics.store(t, slot(b, PARENT), 0);
  Atomics.store(t, slot(b, STATE), 0);
  Atomics.sub(t, IN_USE, 1);
  const high = Atomics.load(t, HIGH);
  if (thread) {
    for (let c = 0; c < high; c += 1) {
      if (Atomics.load(t, slot(c, PARENT)) === b + 1 && Atomics.load(t, slot(c, STATE)) !== 0) {
        if (Atomics.exchange(t, slot(c, WAITING), 0) !== 0) broadcast = true;
        Atomics.store(t, slot(c, PARENT), 0);
        Atomics.store(t, slot(c, STATE), 0);
        Atomics.sub(t, IN_USE, 1);
      }
    }
  }
  if (broadcast) {
    for (let c = 0; c < high; c += 1) if (Atomics.load(t, slot(c, WAITING)) !== 0) bump(c);
  }
}

/** Lets block `b`'s waiter re-check: one increment of WAKE and a notify. */
export function bump(b: number): void {
  const t = table();
  const at = HEADER + b * BLOCK + WAKE;
  Atomics.add(t, at, 1);
  Atomics.notify(t, at);
}

/** How many blocks a scan must look at: 1 + the highest block ever handed out. */
export function high(): number {
  return Atomics.load(table(), HIGH);
}

/** Generations are compared in 18 bits: a mutex token is `generation << 13 | (block + 1)`. */
const GEN_MASK = 0x3ffff;

/** Whether block `b` is in use in generation `gen` (false: the mutex holder that took it is gone). */
export function alive(b: number, gen: number): boolean {
  const t = table();
  return Atomics.load(t, slot(b, STATE)) !== 0 && (Atomics.load(t, slot(b, GEN)) & GEN_MASK) === gen;
}

/** Block `b`'s current generation, as `alive` compares it. */
export function generation(b: number): number {
  return Atomics.load(table(), slot(b, GEN)) & GEN_MASK;
}

/** Marks block `b` as holding an internal mutex (1) or not (0). */
export function setHolding(b: number, value: 0 | 1): void {
  Atomics.store(table(), slot(b, HOLDING), value);
}

/**
 * The calling thread's own block: its cancel flag's in a threadkit thread, else one taken once for
 * this thread (the main thread, or a worker threadkit did not start) and never freed.
 */
export function home(): number {
  const globals = globalThis as Globals;
  const context = globals[CONTEXT_KEY] as { flag?: Int32Array } | undefined;
  if (homeBlock >= 0 && context === homeContext) return homeBlock;
  const flag = context?.flag;
  let b: number;
  if (flag !== undefined && flag.buffer === table().buffer) b = blockOf(flag);
  else {
    b = (globals[HOME_KEY] as number | undefined) ?? alloc();
    globals[HOME_KEY] = b;
  }
  homeContext = context;
  homeBlock = b;
  return b;
}

/** home()'s answer for the context it was computed in (a new context, a new answer). */
let homeContext: unknown;
let homeBlock = -1;
