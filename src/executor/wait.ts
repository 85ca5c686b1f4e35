// asCompleted() and wait(): futures as they end, and waiting for some or all of them.

import { TimeoutError, got } from '../errors.js';
import { clearLongTimeout, longTimeout, type LongTimer } from '../base/timers.js';
import { validateOptions, validateTimeout } from '../base/validate.js';
import { Future, settlementOf, writer } from './future.js';

/** What `wait()` waits for. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** Options of `wait()`. */
export interface WaitOptions {
  /** Default 'ALL_COMPLETED'. */
  returnWhen?: ReturnWhen;
  /** Resolve with what has ended so far after this long. Default: no limit (as Infinity). */
  timeoutMs?: number;
}

const WAIT_KEYS = new Set(['returnWhen', 'timeoutMs']);

function distinct(futures: Iterable<Future<unknown>>, what: string): Future<unknown>[] {
  if (typeof (futures as Iterable<unknown> | null)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`Expected \`futures\` to be an iterable of Futures, ${got(futures)}`);
  }
  const set = new Set<Future<unknown>>();
  for (const future of futures) {
    if (!(future instanceof Future)) throw new TypeError(`Expected every item given to ${what} to be a Future, ${got(future)}`);
    set.add(future);
  }
  return [...set];
}

/**
 * A future as asCompleted() yields it: the Future object itself, typed without its `then`, since
 * TypeScript types a `for await` variable as the awaited value of a thenable (it would say the
 * future's result). Everything else of the Future is there (`outcome`, `result()`, `done()`, ...),
 * and `===` with the future given still holds.
 */
export type Completed<F> = Omit<F, 'then'>;

/**
 * Yields each distinct future once, as it ends: the ended ones first (in the order given), then
 * the others in the order they end. It yields the Future objects themselves, not their values
 * (an async generator would unwrap them: a Future is a thenable). When `timeoutMs` passes before
 * the rest end, the iteration throws TimeoutError. Nothing is cancelled. A failed future it yields
 * counts as handled (the loop sees its `outcome`): it is not also reported through
 * `Thread.excepthook`; one it never yields (the loop was left early, or timed out) is reported as
 * any other, once the iteration ends (`for await` ends it; an iterator driven by hand and dropped
 * before its end keeps the failures of the futures it still holds unreported).
 * @throws {TypeError} when `futures` is not an iterable of Futures.
 * @throws {RangeError} when `timeoutMs` is not a number >= 0 (Infinity: no limit).
 * @example
 * for await (const f of asCompleted(futures)) console.log(f.outcome);
 */
export function asCompleted<F extends Future<unknown>>(futures: Iterable<F>, timeoutMs?: number): AsyncIterableIterator<Completed<F>> {
  validateTimeout(timeoutMs, 'timeoutMs');
  const all = distinct(futures, 'asCompleted()') as F[];
  const ready: F[] = all.filter((f) => f.done());
  let left = all.length;
  let wake: (() => void) | undefined;
  // Held until yielded (then handled) or the iteration ends without it (then released).
  const held = new Set<F>(all);
  for (const future of all) writer(future).hold();
  for (const future of all) {
    if (future.done()) continue;
    void settlementOf(future).ended.then(() => {
      ready.push(future);
      wake?.();
    });
  }
  const deadline = timeoutMs === undefined || timeoutMs === Infinity ? undefined : performance.now() + timeoutMs;
  let finished = false;
  const finish = () => {
    finished = true;
    for (const future of held) writer(future).release();
    held.clear();
  };
  const iterator: AsyncIterableIterator<F> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next(): Promise<IteratorResult<F>> {
      if (finished || left === 0) {
        finish();
        return { value: undefined, done: true };
      }
      while (ready.length === 0) {
        let timer: LongTimer | undefined;
        const woken = new Promise<boolean>((resolve) => {
          wake = () => resolve(true);
          if (deadline !== undefined) timer = longTimeout(() => resolve(false), Math.max(0, deadline - performance.now()));
        });
        const inTime = await woken;
        clearLongTimeout(timer);
        wake = undefined;
        if (finished) return { value: undefined, done: true };
        if (!inTime && ready.length === 0) {
          finish();
          throw new TimeoutError(`${left} of ${all.length} futures had not ended after ${timeoutMs} ms; they go on.`);
        }
      }
      left -= 1;
      const future = ready.shift()!;
      // Handed to the loop, which sees its outcome: its failure is handled there.
      writer(future).handled();
      writer(future).release();
      held.delete(future);
      if (left === 0) finish();
      return { value: future, done: false };
    },
    return(): Promise<IteratorResult<F>> {
      finish();
      wake?.();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
  return iterator;
}

/**
 * Waits for the futures and resolves with `{ done, notDone }`, two Sets: when all have ended
 * ('ALL_COMPLETED', the default), when any has ('FIRST_COMPLETED'), when one ends 'failed' or
 * 'terminated' or all have ended ('FIRST_EXCEPTION'; a cancelled future is not an exception, as
 * in Python), or when `timeoutMs` passes first. Nothing is cancelled; it never rejects. A failed
 * future in `done` counts as handled (the caller sees its `outcome`): it is not also reported
 * through `Thread.excepthook`; one in `notDone` that fails later is reported as any other.
 * @throws {TypeError} for futures that are not an iterable of Futures, an unknown option or `returnWhen`.
 * @throws {RangeError} when `timeoutMs` is not a number >= 0 (Infinity: no limit).
 */
export async function wait<F extends Future<unknown>>(
  futures: Iterable<F>,
  options?: WaitOptions,
): Promise<{ done: Set<F>; notDone: Set<F> }> {
  const { returnWhen = 'ALL_COMPLETED', timeoutMs } = validateOptions(options, 'wait()', WAIT_KEYS) as WaitOptions;
  if (returnWhen !== 'FIRST_COMPLETED' && returnWhen !== 'FIRST_EXCEPTION' && returnWhen !== 'ALL_COMPLETED') {
    throw new TypeError(`Expected \`returnWhen\` to be 'FIRST_COMPLETED', 'FIRST_EXCEPTION' or 'ALL_COMPLETED', ${got(returnWhen)}`);
  }
  validateTimeout(timeoutMs, 'timeoutMs');
  const all = distinct(futures, 'wait()') as F[];
  const split = () => {
    const done = new Set<F>();
    const notDone = new Set<F>();
    for (const f of all) {
      if (!f.done()) notDone.add(f);
      else {
        done.add(f);
        // Handed to the caller in `done`, with its outcome: its failure is handled there.
        writer(f).handled();
      }
    }
    return { done, notDone };
  };
  const exceptional = (f: F) => f.outcome?.status === 'failed' || f.outcome?.status === 'terminated';
  const satisfied = () => {
    const ended = all.filter((f) => f.done());
    if (ended.length === all.length) return true;
    if (returnWhen === 'FIRST_COMPLETED') return ended.length > 0;
    if (returnWhen === 'FIRST_EXCEPTION') return ended.some(exceptional);
    return false;
  };
  if (satisfied()) return split();
  // Held while it waits: a failure among them is the caller's to see in `done`, not reported meanwhile.
  for (const f of all) writer(f).hold();
  try {
    await new Promise<void>((resolve) => {
      let timer: LongTimer | undefined;
      const check = () => {
        if (!satisfied()) return;
        clearLongTimeout(timer);
        resolve();
      };
      if (timeoutMs !== undefined && timeoutMs !== Infinity) timer = longTimeout(resolve, timeoutMs);
      for (const f of all) if (!f.done()) void settlementOf(f).ended.then(check);
    });
    return split();
  } finally {
    for (const f of all) writer(f).release();
  }
}
