// The wait core of every shared object: wait on the caller's own WAKE slot until an attempt succeeds, the time is up, or a cancel comes.

import { CancelledError } from '../errors.js';
import { callerCancelled, cancelReason, getContext, warmReason } from './context.js';
import { clearLongTimeout, longTimeout } from '../base/timers.js';
import { validateMs } from '../base/validate.js';
import { WAKE, alloc, blockOf, bump, free, home, slot, table } from './wake-table.js';
import { checkpoint, whenCancelled } from './runtime.js';
import { currentScope } from './scope.js';
import type { WaitSet } from './wait-set.js';

/** What an attempt returns when it cannot proceed yet. */
export const NOT_YET: unique symbol = Symbol('threadkit.notYet');
/** What a wait returns when `timeoutMs` passed first. */
export const TIMED_OUT: unique symbol = Symbol('threadkit.timedOut');

/**
 * Tries the operation once: commits it (one atomic write) and returns its result, or returns
 * NOT_YET. `b` is the waiter's block once registered in the set, -1 on the first, unregistered try.
 */
export type Attempt<T> = (b: number) => T | typeof NOT_YET;

export interface WaitOptions {
  /** Default true: a cancel ends the wait with CancelledError (false: Condition re-acquiring its lock). */
  readonly cancellable?: boolean;
  /** Default true: a waiter picked by a waker that leaves without proceeding wakes another one. */
  readonly passOn?: boolean;
  /** Register once, at the first wait, and never again (Condition: a claimed bit is its notification). */
  readonly once?: boolean;
  /** Called once, right after the first registration (Condition: releases its lock there). */
  readonly afterEnter?: () => void;
  /**
   * Tries this many times more before registering and sleeping (Lock: a holder is usually out in
   * well under a microsecond, and a sleep costs two system calls). Bounded: never a timed re-check.
   */
  readonly spin?: number;
}

/** `timeoutMs` of a wait: undefined (Infinity) or a number >= 0, Infinity included. */
export function timeoutOf(timeoutMs: unknown): number {
  if (timeoutMs === undefined) return Infinity;
  validateMs(timeoutMs, 'timeoutMs');
  return timeoutMs;
}

/**
 * Blocks the calling thread until `attempt` succeeds (its result), the time is up (TIMED_OUT), or
 * the thread is cancelled (throws CancelledError, also before the first attempt).
 * @throws {RangeError} when `timeoutMs` is not a number >= 0.
 */
export function waitSync<T>(ws: WaitSet, attempt: Attempt<T>, timeoutMs: unknown, options: WaitOptions = {}): T | typeof TIMED_OUT {
  const ms = timeoutOf(timeoutMs);
  const cancellable = options.cancellable ?? true;
  if (cancellable) checkpoint();
  const first = attempt(-1);
  if (first !== NOT_YET) return first;
  if (ms === 0) return TIMED_OUT;
  for (let n = options.spin ?? 0; n > 0; n -= 1) {
    const result = attempt(-1);
    if (result !== NOT_YET) return result;
  }
  const deadline = performance.now() + ms;
  const b = home();
  const t = table();
  const wakeAt = slot(b, WAKE);
  let done = false;
  let entered = false;
  try {
    for (;;) {
      if (cancellable && callerCancelled()) raise(cancelledError());
      const seen = Atomics.load(t, wakeAt);
      if (!entered || options.once !== true) ws.enter(b);
      if (!entered) {
        entered = true;
        options.afterEnter?.();
      }
      const result = attempt(b);
      if (result !== NOT_YET) {
        done = true;
        return result;
      }
      const left = deadline - performance.now();
      if (left <= 0) return TIMED_OUT;
      if (cancellable && !warm) warmUp();
      Atomics.wait(t, wakeAt, seen, left);
    }
  } finally {
    if (entered && ws.leave(b) && !done && (options.passOn ?? true)) ws.wakeOne();
  }
}

let warm = false;

/**
 * Pays, once per thread and while it is about to sleep anyway, what V8 charges the first time a
 * thread runs the cancel path (compiling cancelledError(), cancelReason() and CancelledError on
 * first call: some 100-200 µs, measured), so that a cancel wakes a blocked wait about as fast as
 * it wakes sleepSync(). Runs that path once, uncancelled (no reason to read, nothing else done),
 * and throws the error to itself.
 */
function warmUp(): void {
  warm = true;
  if (callerCancelled()) return;
  warmReason(); // cancelledError() would read the reason: the real thing follows at once
  try {
    raise(cancelledError());
  } catch {
    // the warm-up's own throw
  }
}

/** The CancelledError of the calling (cancelled) thread, with the reason given to cancel(). */
function cancelledError(): CancelledError {
  const context = getContext();
  return new CancelledError(context === undefined ? undefined : cancelReason(context));
}

/** Where a blocked wait throws from (one site, so that warmUp() warms it). */
function raise(error: Error): never {
  throw error;
}

/**
 * The same without blocking the event loop: the wait gets its own block of the wake table, a
 * cancel or the timer bumps it. While pending it keeps the thread alive.
 * @throws {RangeError} (synchronously) when `timeoutMs` is not a number >= 0.
 */
export function waitAsync<T>(
  ws: WaitSet,
  attempt: Attempt<T>,
  timeoutMs: unknown,
  options: WaitOptions = {},
): Promise<T | typeof TIMED_OUT> {
  const ms = timeoutOf(timeoutMs);
  return waitAsyncChecked(ws, attempt, ms, options);
}

async function waitAsyncChecked<T>(ws: WaitSet, attempt: Attempt<T>, ms: number, options: WaitOptions): Promise<T | typeof TIMED_OUT> {
  const cancellable = options.cancellable ?? true;
  if (cancellable) checkpoint();
  // Served for a Process (scope.ts): its request's abort ends the wait as a cancel does.
  const served = cancellable ? currentScope()?.signal : undefined;
  if (served?.aborted === true) throw aborted();
  const first = attempt(-1);
  if (first !== NOT_YET) return first;
  if (ms === 0) return TIMED_OUT;
  const context = getContext();
  const t = table();
  const b = alloc(context !== undefined && context.flag.buffer === t.buffer ? blockOf(context.flag) : -1);
  const wakeAt = slot(b, WAKE);
  let timedOut = false;
  // Infinity never fires: the timer only keeps the thread alive while the wait is pending.
  const timer = longTimeout(() => {
    timedOut = true;
    bump(b);
  }, ms);
  const forget = cancellable ? whenCancelled(() => bump(b)) : () => {};
  const onAbort = () => bump(b);
  if (served !== undefined) {
    // The child process is what is alive here: a wait on its behalf keeps the parent alive no longer than it.
    timer.unref();
    served.addEventListener('abort', onAbort);
  }
  let done = false;
  let entered = false;
  try {
    for (;;) {
      if (cancellable && callerCancelled()) checkpoint();
      if (isAborted(served)) throw aborted();
      const seen = Atomics.load(t, wakeAt);
      if (!entered || options.once !== true) ws.enter(b);
      if (!entered) {
        entered = true;
        options.afterEnter?.();
      }
      const result = attempt(b);
      if (result !== NOT_YET) {
        done = true;
        return result;
      }
      if (timedOut) return TIMED_OUT;
      const waited = Atomics.waitAsync(t, wakeAt, seen);
      if (waited.async) await waited.value;
    }
  } finally {
    if (entered && ws.leave(b) && !done && (options.passOn ?? true)) ws.wakeOne();
    forget();
    served?.removeEventListener('abort', onAbort);
    clearLongTimeout(timer);
    free(b, false);
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function aborted(): CancelledError {
  return new CancelledError(undefined, 'The Process waiting on this object was cancelled or ended');
}
