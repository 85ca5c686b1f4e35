// How shared objects recognise each other across copies of threadkit in one thread, and how they are revived.
//
// A thread loads threadkit twice: the bundled entry (which revives the objects in `args`) and the
// task's own `import 'threadkit'`. So nothing here relies on class identity: a shared object
// carries its kind under a `Symbol.for` key, `instanceof` checks that kind, and the hooks that
// encode an object or let a Condition drive a lock are `Symbol.for` keys too.

import type { Kind } from '../wire/protocol.js';
import { got } from '../errors.js';

/** The kind of a shared object: 'Event', 'Lock', ... */
export const KIND = Symbol.for('threadkit.shared.kind.v1');
/** Instance method: the state that travels (SharedArrayBuffers and the states of the objects it holds). */
export const SHARE = Symbol.for('threadkit.shared.share.v1');
/** Instance method of Lock and RLock: the operations a Condition needs (LockOps). */
export const LOCK_OPS = Symbol.for('threadkit.shared.lockOps.v1');

export type { Kind };

export interface Shareable {
  readonly [KIND]: Kind;
  [SHARE](): unknown;
}

/** What a Condition does with its lock. */
export interface LockOps {
  /** Whether the calling thread may use the condition (holds the lock). */
  owned(): boolean;
  /** Releases the lock entirely; returns what `restore` needs. */
  releaseSave(): number;
  /** Takes the lock back as `releaseSave` left it, ignoring cancels. */
  restoreSync(saved: number): void;
  restore(saved: number): Promise<void>;
}

/** Whether `value` is a shared object of any copy of threadkit. */
export function isShared(value: unknown): value is Shareable {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Shareable>)[KIND] === 'string';
}

/** Makes `instanceof cls` true for the shared objects of these kinds from every copy of threadkit. */
export function brand(cls: abstract new (...args: never[]) => unknown, kinds: readonly Kind[]): void {
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: (value: unknown) => isShared(value) && kinds.includes(value[KIND]),
  });
}

let pending: unknown;

/** Runs `make` (a constructor call) so that the constructor adopts `state` instead of creating memory. */
export function revive<T>(state: unknown, make: () => T): T {
  pending = state;
  try {
    return make();
  } finally {
    pending = undefined;
  }
}

/** In a constructor: the state being revived, or undefined for a new object. */
export function adopted<S>(): S | undefined {
  const state = pending as S | undefined;
  pending = undefined;
  return state;
}

/** A fresh Int32Array of `slots` zeros in its own SharedArrayBuffer. */
export function sharedInts(slots: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT));
}

/** An integer >= `min`, for constructor options and counts. */
export function validateInt(value: unknown, label: string, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`Expected \`${label}\` to be an integer >= ${min}, ${got(value)}`);
  }
  if (value > max) throw new RangeError(`Expected \`${label}\` to be an integer from ${min} to ${max}, ${got(value)}`);
}

/** What `holdSync()` and `hold()` return: releases once, at the end of the `using` (or `await using`) block. */
export interface Held extends Disposable, AsyncDisposable {
  /** Releases now (what disposing does); a second call does nothing. */
  release(): void;
}

export function held(release: () => void): Held {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    release();
  };
  return { release: once, [Symbol.dispose]: once, [Symbol.asyncDispose]: () => Promise.resolve(once()) };
}
