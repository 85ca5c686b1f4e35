// The shared-memory cancellation flag: one Int32Array slot per thread, and its layout.

/**
 * Slot layout of the flag's `Int32Array` (one `SharedArrayBuffer` per thread):
 *
 * | index    | written by                         | read by                          | values         |
 * |----------|------------------------------------|----------------------------------|----------------|
 * | `CANCEL` | the side that owns the thread      | the thread: `cancelled()`,       | 0 running,     |
 * |          | (`cancel()`; for a Process, the    | `sleepSync()` waits on it,       | 1 cancelled    |
 * |          | child's main thread on IPC cancel) | `sleep()`/`cancelSignal()` watch |                |
 *
 * The writer stores 1 and then `Atomics.notify`s `CANCEL`, which wakes every
 * `Atomics.wait` / `Atomics.waitAsync` on it. It never goes back to 0.
 */
export const CANCEL = 0;
const SLOTS = 1;

/** A fresh flag, not cancelled. */
export function createFlag(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
}

/** Sets the flag and wakes every waiter. Idempotent. */
export function raiseFlag(flag: Int32Array): void {
  if (Atomics.exchange(flag, CANCEL, 1) === 0) Atomics.notify(flag, CANCEL);
}

/** Whether the flag is set: a single shared-memory load. */
export function isRaised(flag: Int32Array): boolean {
  return Atomics.load(flag, CANCEL) !== 0;
}
