// The one hook that reports a thread or process that ended with an error.

import { inspect } from 'node:util';

/** What `Thread.excepthook` receives. */
export interface ExceptHookInfo {
  /** The Thread or Process that failed. */
  readonly thread: { readonly name: string };
  /** The target's error (rebuilt on this side), or the ThreadCrashedError that ended it. */
  readonly error: unknown;
  /** For a pool task: its Future (`thread` is then the worker's `currentThread()` info). */
  readonly future?: unknown;
}

/** A hook may return a promise: one that rejects is reported like a hook that throws. */
export type ExceptHook = (info: ExceptHookInfo) => void | Promise<void>;

/** Prints `Exception in thread <name>:` and the stack (with its cause chain and own properties) to stderr. */
export const defaultExcepthook = ({ thread, error }: ExceptHookInfo): void => {
  process.stderr.write(`Exception in thread ${thread.name}:\n${inspect(error)}\n`);
};

let hook: ExceptHook = defaultExcepthook;

/** Threads and processes whose failures someone else reports (a TaskScope holds them): report() skips them. */
const claimed = new WeakSet<object>();

/** `owner`'s failure is reported by its holder (a TaskScope: join() or its own report), not by report(). @internal */
export function claimReport(owner: object): void {
  claimed.add(owner);
}

/** Ends claimReport(): report() reports `owner` again. @internal */
export function releaseReport(owner: object): void {
  claimed.delete(owner);
}

export function getExcepthook(): ExceptHook {
  return hook;
}

export function setExcepthook(value: ExceptHook | null | undefined): void {
  if (value !== null && value !== undefined && typeof value !== 'function') {
    throw new TypeError(`Expected \`excepthook\` to be a function, got \`${String(value)}\` (${typeof value})`);
  }
  hook = value ?? defaultExcepthook;
}

/**
 * Reports once through the current hook. A hook that throws, or returns a promise (any thenable)
 * that rejects, is reported on stderr followed by the default report; never rethrown, never an
 * unhandled rejection. A thread claimed by claimReport() is not reported here.
 */
export function report(info: ExceptHookInfo): void {
  if (claimed.has(info.thread)) return;
  let returned: unknown;
  try {
    returned = (hook as (info: ExceptHookInfo) => unknown)(info);
  } catch (hookError) {
    hookFailed(hookError, info);
    return;
  }
  if (isThenable(returned)) {
    try {
      // Deliberate: the rejection is handled here, so the returned promise is never left unhandled.
      void Promise.resolve(returned).then(undefined, (hookError: unknown) => hookFailed(hookError, info));
    } catch (hookError) {
      hookFailed(hookError, info);
    }
  }
}

function hookFailed(hookError: unknown, info: ExceptHookInfo): void {
  try {
    process.stderr.write(`Exception in threadkit excepthook:\n${inspect(hookError)}\n`);
    defaultExcepthook(info);
  } catch {
    // Nothing is left to report to.
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  try {
    return (
      (typeof value === 'object' || typeof value === 'function') &&
      value !== null &&
      typeof (value as PromiseLike<unknown>).then === 'function'
    );
  } catch {
    return false;
  }
}
