// The serving scope: on whose behalf the parent runs a shared object's method for a Process (serve.ts).
//
// A Process cannot share memory with its parent, so the parent runs each of its operations on
// the real object (serve.ts). Two things must then follow the operation through every await of
// the object's code: who the caller is (an RLock's owner is the child, not the parent's main
// thread) and the child's cancel (an abort of that one request). An AsyncLocalStorage carries
// both; it is created by the first served request, so a program that serves no Process pays
// nothing, and it is disabled again when the last served Process has ended (pauseScopes). Two
// hooks read it: wait.ts (a served async wait ends with CancelledError when its request is
// aborted, and keeps nothing alive) and lock.ts (an RLock's owner).

import { AsyncLocalStorage } from 'node:async_hooks';

export interface ServeScope {
  /** The RLock owner the child acts as: a negative number, unique in this process (threads are >= 1). */
  readonly owner: number;
  /** Aborted when the child gives the request up (it was cancelled) or is gone. */
  readonly signal: AbortSignal;
}

let storage: AsyncLocalStorage<ServeScope> | undefined;

/** The scope of the request being served here, or undefined (an ordinary call). */
export function currentScope(): ServeScope | undefined {
  return storage?.getStore();
}

/** Runs `fn` (and everything it awaits) on behalf of `scope`. */
export function runInScope<T>(scope: ServeScope, fn: () => T): T {
  storage ??= new AsyncLocalStorage<ServeScope>();
  return storage.run(scope, fn);
}

/** No Process is served any more: turn the storage off (its async-hook cost with it) until the next runInScope. */
export function pauseScopes(): void {
  storage?.disable();
}
