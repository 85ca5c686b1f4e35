// What a task sees inside its thread: cancelled, checkpoint, sleepSync, sleep, cancelSignal, currentThread.
//
// Every function also works in a thread threadkit did not start (the main thread), where nothing
// ever cancels, so the same task code runs inline, in a Thread or in a Process. In a pool worker
// they refer to the task running now (context.ts gives each task its own context).

import { isMainThread, threadId } from 'node:worker_threads';
import { CancelledError } from '../errors.js';
import { CANCEL, isRaised } from './cancel-flag.js';
import { MAIN_THREAD, NO_TASK, cancelReason, getContext, newTaskContext, type TaskContext, type ThreadContext } from './context.js';
import type { ThreadInfo } from '../wire/protocol.js';
import { clearLongTimeout, longTimeout } from '../base/timers.js';
import { validateMs } from '../base/validate.js';

export type { ThreadInfo };

/** Outside a threadkit thread: the main thread, or a worker someone else started. */
const OUTSIDE: ThreadInfo = isMainThread
  ? MAIN_THREAD
  : Object.freeze({ name: `Worker-${threadId}`, ident: threadId, daemon: false, isMain: false });

/** Never notified: what `sleepSync()` waits on outside a threadkit thread. */
const idle = new Int32Array(new SharedArrayBuffer(4));
/** Never aborted: what `cancelSignal()` returns outside a threadkit thread. */
const never = new AbortController().signal;

/** Outside a threadkit thread: a flag nobody raises, and no task (an id no cancel names). */
const outside = { flag: idle, task: newTaskContext(NO_TASK) };

/**
 * Whether `cancel()` was called for the calling thread (in a pool worker: for the running task):
 * a single shared-memory load and a compare, cheap enough for every loop iteration. Always false
 * outside a threadkit thread.
 */
export function cancelled(): boolean {
  const context = (thread ??= getContext() ?? outside);
  return Atomics.load(context.flag, CANCEL) === context.task.id;
}

/** The calling thread's context, looked up once (it is set before the first target runs; tasks change only its `task`). */
let thread: Pick<ThreadContext, 'flag' | 'task'> | undefined;

/**
 * Throws `CancelledError` (with the reason given to `cancel()`) when the calling thread
 * was cancelled; returns otherwise.
 * @throws {CancelledError} when cancelled.
 */
export function checkpoint(): void {
  const context = getContext();
  if (context !== undefined && isRaised(context.flag, context.task.id)) throw new CancelledError(cancelReason(context));
}

/**
 * Blocks the calling thread for `ms` milliseconds. Returns `true` when the time is up, or `false`
 * at once when the thread is (or gets) cancelled first: a cancel wakes it, no polling.
 * `ms` may be `Infinity` (wait for a cancel).
 * @throws {RangeError} when `ms` is not a number >= 0.
 */
export function sleepSync(ms: number): boolean {
  validateMs(ms, 'ms');
  const context = getContext();
  const flag = context?.flag ?? idle;
  const id = context?.task.id ?? NO_TASK;
  const deadline = performance.now() + ms;
  for (;;) {
    const value = Atomics.load(flag, CANCEL);
    if (value === id) return false;
    const left = deadline - performance.now();
    if (left <= 0) return true;
    // Woken by any change of the slot: a cancel of this task is the only one the owner makes now.
    Atomics.wait(flag, CANCEL, value, left);
  }
}

/**
 * Waits `ms` milliseconds without blocking the event loop. Resolves `true` when the time is up,
 * or `false` as soon as the thread is (or gets) cancelled.
 * `ms` may be `Infinity` (wait for a cancel) or longer than setTimeout allows.
 * @throws {RangeError} (synchronously) when `ms` is not a number >= 0.
 */
export function sleep(ms: number): Promise<boolean> {
  validateMs(ms, 'ms');
  const context = getContext();
  if (context === undefined) return new Promise((resolve) => longTimeout(() => resolve(true), ms));
  if (isRaised(context.flag, context.task.id)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = longTimeout(() => {
      stopWatching();
      resolve(true);
    }, ms);
    const stopWatching = onCancel(context, () => {
      clearLongTimeout(timer);
      resolve(false);
    });
  });
}

/**
 * An `AbortSignal` aborted when the calling thread is cancelled, with a `CancelledError` as its
 * reason: pass it to fetch, fs, streams, timers and sockets. An `AbortError` it causes ends the
 * thread as cancelled. While the target is pending, a thread that asked for its signal stays
 * alive until it is cancelled, so awaiting nothing but the signal works. The same signal is
 * returned on every call. Outside a threadkit thread the signal never aborts.
 */
export function cancelSignal(): AbortSignal {
  const context = getContext();
  if (context === undefined) return never;
  const task = context.task;
  if (task.controller === undefined) {
    const controller = new AbortController();
    task.controller = controller;
    const abort = () => controller.abort(new CancelledError(cancelReason(context)));
    if (isRaised(context.flag, task.id)) abort();
    else if (task.live) {
      // Keep the thread alive until the cancel comes (a pending Atomics.waitAsync does not), or the task ends.
      const keepAlive = setInterval(() => {}, 2 ** 30);
      const stop = () => clearInterval(keepAlive);
      task.cleanups.add(stop);
      onCancel(context, () => {
        stop();
        task.cleanups.delete(stop);
        abort();
      });
    }
  }
  return task.controller.signal;
}

/** `{ name, ident, daemon, isMain }` of the calling thread. */
export function currentThread(): ThreadInfo {
  return getContext()?.info ?? OUTSIDE;
}

/**
 * Calls `callback` once when the calling thread's current task is cancelled (never outside a
 * threadkit thread); returns a function that forgets it. For the async waits of shared objects.
 * @internal
 */
export function whenCancelled(callback: () => void): () => void {
  const context = getContext();
  if (context === undefined) return () => {};
  if (isRaised(context.flag, context.task.id)) {
    queueMicrotask(callback);
    return () => {};
  }
  return onCancel(context, callback);
}

/**
 * Calls `callback` once when the current task is cancelled; returns a function that forgets it.
 * One Atomics.waitAsync per task, shared by every sleep() and the signal of that task, armed
 * with the slot's value at that moment; a task that ends forgets its waiters (and the entry wakes
 * the pending wait, so none outlives its task).
 */
function onCancel(context: ThreadContext, callback: () => void): () => void {
  const task = context.task;
  task.waiters.add(callback);
  if (!task.watching) {
    task.watching = true;
    arm(context.flag, task);
  }
  return () => task.waiters.delete(callback);
}

function arm(flag: Int32Array, task: TaskContext): void {
  const value = Atomics.load(flag, CANCEL);
  const fire = () => {
    if (!task.live) return;
    if (!isRaised(flag, task.id)) return arm(flag, task);
    const waiters = [...task.waiters];
    task.waiters.clear();
    for (const waiter of waiters) waiter();
  };
  if (value === task.id) return queueMicrotask(fire);
  const wait = Atomics.waitAsync(flag, CANCEL, value);
  if (wait.async) void wait.value.then(fire);
  else queueMicrotask(fire);
}
