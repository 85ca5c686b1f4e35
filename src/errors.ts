// Named error classes with stable codes: what threadkit throws and rejects with.

/** Base of threadkit's own errors; `code` is stable across versions. */
abstract class ThreadkitError extends Error {
  abstract readonly code: string;
}

/**
 * A lifecycle call was made in a state that does not allow it:
 * `start()` twice, `join()` before `start()`, setting `daemon` after start.
 */
export class ThreadStateError extends ThreadkitError {
  readonly code: string = 'ERR_THREAD_STATE';
  override name = 'ThreadStateError';
}

/**
 * The thread gave up because it was cancelled: thrown by `checkpoint()`,
 * the reason of `cancelSignal()`, and what `result()` rejects with for a
 * cancelled thread. `reason` is the value given to `cancel(reason)`.
 */
export class CancelledError extends ThreadkitError {
  readonly code = 'ERR_CANCELLED';
  override name = 'CancelledError';
  readonly reason: unknown;
  constructor(reason?: unknown, message = 'The thread was cancelled') {
    super(reason === undefined ? message : `${message}: ${describe(reason)}`);
    this.reason = reason;
  }
}

/** The thread was stopped by force: what `result()` rejects with after `terminate()`. */
export class TerminatedError extends ThreadkitError {
  readonly code = 'ERR_TERMINATED';
  override name = 'TerminatedError';
}

/**
 * The thread died without a result: `process.exit()` inside it, out of
 * memory, its event loop ran empty before the target's promise settled, a
 * signal (for a Process), or it could not be created.
 */
export class ThreadCrashedError extends ThreadkitError {
  readonly code = 'ERR_THREAD_CRASHED';
  override name = 'ThreadCrashedError';
}

/** A timeout given to `result(timeoutMs)` passed first; the thread goes on. */
export class TimeoutError extends ThreadkitError {
  readonly code = 'ERR_TIMEOUT';
  override name = 'TimeoutError';
}

/**
 * The target cannot be sent or loaded: a native or bound function, a plain
 * function that uses a variable from around it, a missing module or export,
 * an argument or a result that cannot be cloned.
 */
export class TaskError extends ThreadkitError {
  readonly code = 'ERR_TASK';
  override name = 'TaskError';
}

/** `getNowait()` of an empty Queue. */
export class QueueEmptyError extends ThreadkitError {
  readonly code = 'ERR_QUEUE_EMPTY';
  override name = 'QueueEmptyError';
}

/** `putNowait()` of a full Queue (its `maxSize` items, or no room left in its `maxBytes`). */
export class QueueFullError extends ThreadkitError {
  readonly code = 'ERR_QUEUE_FULL';
  override name = 'QueueFullError';
}

/** A `put` after `shutdown()`, or a `get` of a shut-down Queue that is empty (Python 3.13's `queue.ShutDown`). */
export class QueueShutDownError extends ThreadkitError {
  readonly code = 'ERR_QUEUE_SHUT_DOWN';
  override name = 'QueueShutDownError';
}

/** A `Barrier` wait on a broken barrier: reset, aborted, or a waiter timed out or was cancelled. */
export class BrokenBarrierError extends ThreadkitError {
  readonly code = 'ERR_BROKEN_BARRIER';
  override name = 'BrokenBarrierError';
}

/**
 * An executor was shut down: `submit()`, `run()` and `map()` after `shutdown()` or `stop()`.
 * A ThreadStateError, as using a thread in the wrong state is.
 */
export class ExecutorShutDownError extends ThreadStateError {
  override readonly code: string = 'ERR_EXECUTOR_SHUT_DOWN';
  override name = 'ExecutorShutDownError';
}

/** A short, readable rendering of any value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `got \`-1\` (number)` for validation messages. */
export function got(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  return `got \`${shown}\` (${value === null ? 'null' : typeof value})`;
}
