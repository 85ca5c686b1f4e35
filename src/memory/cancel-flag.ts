// The shared-memory cancellation flag of a thread (or pool worker), and its slot layout.

import { WAKE, alloc, blockOf, free, view } from './wake-table.js';

/**
 * Slot layout of the flag's `Int32Array`: a view of the thread's block in the process-wide wake
 * table (wake-table.ts, which lays out the block's other slots). A thread is given the view
 * itself, so its byteOffset survives postMessage.
 *
 * | index    | written by                          | read by                            | values               |
 * |----------|-------------------------------------|------------------------------------|----------------------|
 * | `CANCEL` | the owner (`cancel()`; for a        | the thread: `cancelled()` compares | 0 none, else the id  |
 * |          | Process, the child's watcher thread | it with the running task's id;     | of the last task     |
 * |          | on a control-socket cancel)         | `sleepSync()` waits on it;         | cancelled            |
 * |          |                                     | `sleep()`/`cancelSignal()` watch it|                      |
 * | `REASON` | the owner, right after it has       | the thread, before it reads the    | 0 none, else the id  |
 * |          | posted the cancel reason message    | reason from its port               | whose reason is sent |
 * | `WAKE`   | raiseFlag (and shared objects'      | a thread blocked in a shared       | a counter            |
 * |          | wakers, see wake-table.ts)          | object's wait                      |                      |
 *
 * The owner stores the task's id in `CANCEL` and `Atomics.notify`s it first, then bumps `WAKE` (so
 * a thread blocked in any shared object's wait wakes too), without waiting for the message; then
 * it posts the reason (if any) and stores the id in `REASON` and notifies it. A Thread's one task
 * has id 1 (`THREAD_TASK`); a pool worker's tasks have increasing ids, so a cancel of task N that
 * lands after the worker moved on to task N+1 has no effect on it. The owner only cancels the task
 * it last gave the worker.
 *
 * A pool worker thread's tasks are handed over through its *handover*, a separate `Int32Array` of
 * `HANDOVER_CELLS` cells (`createHandover`), so that many tasks can be posted ahead to it at once:
 *
 * | index     | written by                                  | read by                            | values               |
 * |-----------|---------------------------------------------|------------------------------------|----------------------|
 * | cell `c`  | the owner offers a task in a free cell      | both: the worker claims it before  | 0 none, else the id  |
 * |           | (`offer`) and may withdraw it (`withdraw`); | it begins, the owner withdraws it  | of the task offered  |
 * |           | the worker claims it (`claim`)              | to cancel it before it begins      | and not yet claimed  |
 *
 * The owner stores a task's id in a cell it holds free before it posts the task (the message names
 * the cell); whoever of the worker (`claim`, just before the target begins) and the owner
 * (`withdraw`: a cancel, a steal by an idle worker, the worker's death) moves it from that id to 0
 * first wins, in one compare-exchange. So a cancel of a task that has not begun ends it at once,
 * and its target never begins. The owner frees a cell once its task has left the worker (ended or
 * withdrawn); a late claim of a withdrawn task fails even when the cell was reused, since ids are
 * unique. The worker claims in the order it got the tasks, one at a time (the next only after the
 * previous ended), so at most one claimed task per worker has not ended: the one `CANCEL` names.
 */
export const CANCEL = 0;
export const REASON = 1;
export { WAKE };

/** Cells of a pool worker thread's handover: at most that many tasks are on their way to it at once. */
export const HANDOVER_CELLS = 64;

/** A fresh flag, not cancelled: a block of the wake table. Give it back with `freeFlag` once the thread is gone. */
export function createFlag(): Int32Array {
  return view(alloc());
}

/** Gives the flag's block back once its thread is gone (wake-table.ts `free`). Idempotent. */
export function freeFlag(flag: Int32Array): void {
  free(blockOf(flag));
}

/** Raises the flag for task `id` and wakes every waiter, also one blocked in a shared object's wait. Idempotent. */
export function raiseFlag(flag: Int32Array, id: number): void {
  if (Atomics.exchange(flag, CANCEL, id) !== id) {
    Atomics.notify(flag, CANCEL);
    Atomics.add(flag, WAKE, 1);
    Atomics.notify(flag, WAKE);
  }
}

/** Says the reason message of task `id` has been posted (after `raiseFlag`, so the thread is already awake). */
export function reasonPosted(flag: Int32Array, id: number): void {
  Atomics.store(flag, REASON, id);
  Atomics.notify(flag, REASON);
}

/** Waits until the owner has posted the cancel reason of task `id` (bounded: 1 s), which follows the flag at once. */
export function awaitReason(flag: Int32Array, id: number): void {
  const deadline = performance.now() + 1000;
  for (;;) {
    const posted = Atomics.load(flag, REASON);
    const left = deadline - performance.now();
    if (posted === id || left <= 0) return;
    Atomics.wait(flag, REASON, posted, left);
  }
}

/** Whether task `id` is cancelled: a single shared-memory load and a compare. */
export function isRaised(flag: Int32Array, id: number): boolean {
  return Atomics.load(flag, CANCEL) === id;
}

/** A pool worker thread's handover, every cell free (0). */
export function createHandover(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(HANDOVER_CELLS * Int32Array.BYTES_PER_ELEMENT));
}

/** The owner offers task `id` to the worker in free `cell` (before posting it). */
export function offer(handover: Int32Array, cell: number, id: number): void {
  Atomics.store(handover, cell, id);
}

/** The owner takes back task `id`; true when the worker had not claimed it (it will never begin). */
export function withdraw(handover: Int32Array, cell: number, id: number): boolean {
  return Atomics.compareExchange(handover, cell, id, 0) === id;
}

/** Whether offered task `id` has been claimed (or withdrawn): one load, no change. */
export function isClaimed(handover: Int32Array, cell: number, id: number): boolean {
  return Atomics.load(handover, cell) !== id;
}

/** The worker claims task `id` before it begins; false when the owner withdrew it first. */
export function claim(handover: Int32Array, cell: number, id: number): boolean {
  return Atomics.compareExchange(handover, cell, id, 0) === id;
}

/** Wakes the thread's own pending waits on the flag without cancelling anything (a task ended). */
export function wakeWaiters(flag: Int32Array): void {
  Atomics.notify(flag, CANCEL);
}
