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

export type ExceptHook = (info: ExceptHookInfo) => void;

/** Prints `Exception in thread <name>:` and the stack (with its cause chain and own properties) to stderr. */
export const defaultExcepthook: ExceptHook = ({ thread, error }) => {
  process.stderr.write(`Exception in thread ${thread.name}:\n${inspect(error)}\n`);
};

let hook: ExceptHook = defaultExcepthook;

export function getExcepthook(): ExceptHook {
  return hook;
}

export function setExcepthook(value: ExceptHook | null | undefined): void {
  if (value !== null && value !== undefined && typeof value !== 'function') {
    throw new TypeError(`Expected \`excepthook\` to be a function, got \`${String(value)}\` (${typeof value})`);
  }
  hook = value ?? defaultExcepthook;
}

/** Reports once through the current hook; a hook that throws is reported on stderr, never rethrown. */
export function report(info: ExceptHookInfo): void {
  try {
    hook(info);
  } catch (hookError) {
    try {
      process.stderr.write(`Exception in threadkit excepthook:\n${inspect(hookError)}\n`);
      defaultExcepthook(info);
    } catch {
      // Nothing is left to report to.
    }
  }
}
