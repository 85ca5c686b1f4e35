// The shared-memory cancellation flag of a thread, and its slot layout.

import { WAKE, alloc, blockOf, free, view } from './wake-table.js';

/**
 * Slot layout of the flag's `Int32Array`: a view of the thread's block in the process-wide wake
 * table (wake-table.ts, which lays out the block's other slots):
 *
 * | index    | written by                          | read by                            | values          |
 * |----------|-------------------------------------|------------------------------------|-----------------|
 * | `CANCEL` | the owner (`cancel()`; for a        | the thread: `cancelled()`;         | 0 running,      |
 * |          | Process, the child's watcher thread | `sleepSync()` waits on it;         | 1 cancelled     |
 * |          | on a control-socket cancel)         | `sleep()`/`cancelSignal()` watch it|                 |
 * | `REASON` | the owner, right after it has       | the thread, before it reads the    | 0 not yet,      |
 * |          | posted the cancel reason message    | reason from its port               | 1 posted        |
 * | `WAKE`   | raiseFlag (and shared objects'      | a thread blocked in a shared       | a counter       |
 * |          | wakers, see wake-table.ts)          | object's wait                      |                 |
 *
 * The owner stores 1 in `CANCEL` and `Atomics.notify`s it first, then bumps `WAKE` (so a thread
 * blocked in any shared object's wait wakes too), without waiting for the message; then it posts
 * the reason (if any) and raises and notifies `REASON`. Neither goes back to 0.
 */
export const CANCEL = 0;
export const REASON = 1;
export { WAKE };

/** A fresh flag, not cancelled: a block of the wake table. Give it back with `freeFlag` once the thread is gone. */
export function createFlag(): Int32Array {
  return view(alloc());
}

/** Gives the flag's block back once its thread is gone (wake-table.ts `free`). Idempotent. */
export function freeFlag(flag: Int32Array): void {
  free(blockOf(flag));
}

/** Sets the flag and wakes every waiter, also one blocked in a shared object's wait. Idempotent. */
export function raiseFlag(flag: Int32Array): void {
  if (Atomics.exchange(flag, CANCEL, 1) === 0) {
    Atomics.notify(flag, CANCEL);
    Atomics.add(flag, WAKE, 1);
    Atomics.notify(flag, WAKE);
  }
}

/** Says the reason message has been posted (after `raiseFlag`, so the thread is already awake). */
export function reasonPosted(flag: Int32Array): void {
  Atomics.store(flag, REASON, 1);
  Atomics.notify(flag, REASON);
}

/** Waits until the owner has posted the cancel reason (bounded: 1 s), which follows the flag at once. */
export function awaitReason(flag: Int32Array): void {
  Atomics.wait(flag, REASON, 0, 1000);
}

/** Whether the flag is set: a single shared-memory load. */
export function isRaised(flag: Int32Array): boolean {
  return Atomics.load(flag, CANCEL) !== 0;
}
