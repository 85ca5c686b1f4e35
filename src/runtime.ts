// What a task sees inside its thread: cancelled, checkpoint, sleepSync, sleep, cancelSignal, currentThread.
//
// Every function also works in a thread threadkit did not start (the main thread), where nothing
// ever cancels, so the same task code runs inline, in a Thread or in a Process.

import { isMainThread, threadId } from 'node:worker_threads';
import { CancelledError } from './errors.js';
import { CANCEL, isRaised } from './internal/cancel-flag.js';
import { cancelReason, getContext, type ThreadContext } from './internal/context.js';
import type { ThreadInfo } from './internal/protocol.js';
import { mainThread } from './introspect.js';
import { validateMs } from './internal/validate.js';

export type { ThreadInfo };

/** Outside a threadkit thread: the main thread, or a worker someone else started. */
const OUTSIDE: ThreadInfo = isMainThread
  ? mainThread()
  : Object.freeze({ name: `Worker-${threadId}`, ident: threadId, daemon: false, isMain: false });

/** Never notified: what `sleepSync()` waits on outside a threadkit thread. */
const idle = new Int32Array(new SharedArrayBuffer(4));
/** Never aborted: what `cancelSignal()` returns outside a threadkit thread. */
const never = new AbortController().signal;

/**
 * Whether `cancel()` was called for the calling thread: a single shared-memory load,
 * cheap enough for every loop iteration. Always false outside a threadkit thread.
 */
export function cancelled(): boolean {
  return Atomics.load((flag ??= getContext()?.flag ?? idle), CANCEL) !== 0;
}

/** The calling thread's flag, looked up once (the context is set before the target runs). */
let flag: Int32Array | undefined;

/**
 * Throws `CancelledError` (with the reason given to `cancel()`) when the calling thread
 * was cancelled; returns otherwise.
 * @throws {CancelledError} when cancelled.
 */
export function checkpoint(): void {
  const context = getContext();
  if (context !== undefined && isRaised(context.flag)) throw new CancelledError(cancelReason(context));
}

/**
 * Blocks the calling thread for `ms` milliseconds. Returns `true` when the time is up, or `false`
 * at once when the thread is (or gets) cancelled first: a cancel wakes it, no polling.
 * `ms` may be `Infinity` (wait for a cancel).
 * @throws {RangeError} when `ms` is not a number >= 0.
 */
export function sleepSync(ms: number): boolean {
  validateMs(ms, 'ms', true);
  const context = getContext();
  const flag = context?.flag ?? idle;
  const deadline = performance.now() + ms;
  for (;;) {
    if (Atomics.load(flag, CANCEL) !== 0) return false;
    const left = deadline - performance.now();
    if (left <= 0) return true;
    Atomics.wait(flag, CANCEL, 0, left);
  }
}

/**
 * Waits `ms` milliseconds without blocking the event loop. Resolves `true` when the time is up,
 * or `false` as soon as the thread is (or gets) cancelled.
 * @throws {RangeError} (synchronously) when `ms` is not a finite number >= 0.
 */
export function sleep(ms: number): Promise<boolean> {
  validateMs(ms, 'ms', false);
  const context = getContext();
  if (context === undefined) return new Promise((resolve) => setTimeout(resolve, ms, true));
  if (isRaised(context.flag)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stopWatching();
      resolve(true);
    }, ms);
    const stopWatching = onCancel(context, () => {
      clearTimeout(timer);
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
  if (context.controller === undefined) {
    const controller = new AbortController();
    context.controller = controller;
    const abort = () => controller.abort(new CancelledError(cancelReason(context)));
    if (isRaised(context.flag)) abort();
    else {
      // Keep the thread alive until the cancel comes: a pending Atomics.waitAsync does not.
      const keepAlive = setInterval(() => {}, 2 ** 30);
      onCancel(context, () => {
        clearInterval(keepAlive);
        abort();
      });
    }
  }
  return context.controller.signal;
}

/** `{ name, ident, daemon, isMain }` of the calling thread. */
export function currentThread(): ThreadInfo {
  return getContext()?.info ?? OUTSIDE;
}

/**
 * Calls `callback` once when the calling thread is cancelled (never outside a threadkit thread);
 * returns a function that forgets it. For the async waits of shared objects.
 * @internal
 */
export function whenCancelled(callback: () => void): () => void {
  const context = getContext();
  if (context === undefined) return () => {};
  if (isRaised(context.flag)) {
    queueMicrotask(callback);
    return () => {};
  }
  return onCancel(context, callback);
}

// One Atomics.waitAsync per thread, shared by every sleep() and the signal.
const waiters = new Set<() => void>();
let watching = false;

/** Calls `callback` once when the thread is cancelled; returns a function that forgets it. */
function onCancel(context: ThreadContext, callback: () => void): () => void {
  waiters.add(callback);
  if (!watching) {
    watching = true;
    const wait = Atomics.waitAsync(context.flag, CANCEL, 0);
    const fire = () => {
      for (const waiter of [...waiters]) waiter();
      waiters.clear();
    };
    if (wait.async) void wait.value.then(fire);
    else queueMicrotask(fire);
  }
  return () => waiters.delete(callback);
}
