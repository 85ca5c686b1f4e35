// The one walk over a value that §12's rules need: what is in args, initArgs and queue items, and where.
//
// Structured clone copies arrays, plain objects, Map keys and values, Set members and the own
// enumerable fields of class instances (as a plain object), so those are what is looked into;
// buffers, typed arrays, Dates, RegExps and Errors are leaves. Cycles and repeats are visited once.
// What is looked for is the caller's (`visit`): shared objects to share (transfer.ts), things that
// may never travel (a pool, a Future: UNSENDABLE), or what a Queue item may not hold.

import { KIND, isShared, type Shareable } from './brand.js';

/**
 * Key of a prototype whose instances may never be sent to another thread: its value says what
 * they are (`'a ThreadPoolExecutor'`, `'a Future'`). A `Symbol.for` key, so every copy of
 * threadkit in a thread knows it.
 */
export const UNSENDABLE = Symbol.for('threadkit.unsendable.v1');

/** What `visit` answers to go on without looking inside this object (it is a leaf to the caller). */
export const SKIP = Symbol('skip');

/**
 * `visit(object, path)` for each object in `value`, outer first, until one answers something
 * other than undefined or SKIP: that answer is returned (undefined when none does). SKIP does not
 * look inside that object. Paths read as code: `args[1].cb`, `args[0].get("k")`, `args[0] (a Set member)`.
 */
export function search<R>(
  value: unknown,
  path: string,
  visit: (object: object, path: string) => R | typeof SKIP | undefined,
): R | undefined {
  const seen = new Set<object>();
  const walk = (at: unknown, where: string): R | undefined => {
    if (typeof at !== 'object' || at === null || seen.has(at)) return undefined;
    seen.add(at);
    const answer = visit(at, where);
    if (answer === SKIP) return undefined;
    if (answer !== undefined) return answer;
    if (Array.isArray(at)) {
      for (let i = 0; i < at.length; i += 1) {
        const found = walk(at[i], `${where}[${i}]`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (at instanceof Map) {
      for (const [key, member] of at) {
        const found = walk(key, `${where} (a Map key)`) ?? walk(member, mapValuePath(where, key));
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (at instanceof Set) {
      for (const member of at) {
        const found = walk(member, `${where} (a Set member)`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (isLeaf(at)) return undefined;
    for (const key of Object.keys(at)) {
      const found = walk((at as Record<string, unknown>)[key], `${where}.${key}`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(value, path);
}

/** `m.get("k")`, `m.get(1)`; `m (a Map value)` for a key that is not a string or a number. */
function mapValuePath(path: string, key: unknown): string {
  if (typeof key === 'string') return `${path}.get(${JSON.stringify(key)})`;
  if (typeof key === 'number') return `${path}.get(${String(key)})`;
  return `${path} (a Map value)`;
}

/** Objects whose fields structured clone does not copy as fields (or that have none worth a look). */
export function isLeaf(value: object): boolean {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof SharedArrayBuffer ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Error
  );
}

/** Whether `value` is a plain object (its prototype is Object.prototype or null). */
export function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What `value` is when it may never be sent (`'a ThreadPoolExecutor'`, `'a Future'`), else undefined. */
export function unsendableKind(value: object): string | undefined {
  const kind = (value as { [UNSENDABLE]?: unknown })[UNSENDABLE];
  return typeof kind === 'string' ? kind : undefined;
}

/** The first shared object in `value` and where it is, or undefined. */
export function findShared(value: unknown, path: string): { path: string; object: Shareable } | undefined {
  return search(value, path, (object, where) => (isShared(object) ? { path: where, object } : undefined));
}

/**
 * Where `value` holds what may not leave this process's memory (a shared object, a SharedArrayBuffer
 * or a view of one, a pool, a Future), said from `root` as `root.x (a shared Lock)`; undefined when
 * it holds none. For a Queue item, and for a distributed job's args.
 */
export function forbiddenIn(value: unknown, root: string): string | undefined {
  return search(value, root, (object, path) => {
    if (isShared(object)) return `${path} (a shared ${object[KIND]})`;
    if (object instanceof SharedArrayBuffer) return `${path} (a SharedArrayBuffer)`;
    if (ArrayBuffer.isView(object) && object.buffer instanceof SharedArrayBuffer) return `${path} (a view of a SharedArrayBuffer)`;
    const kind = unsendableKind(object);
    return kind === undefined ? undefined : `${path} (${kind})`;
  });
}

/** Where a Queue item holds what it may not, said as `the item.x (a shared Lock)`; undefined when it holds none. */
export function forbiddenInItem(item: unknown): string | undefined {
  return forbiddenIn(item, 'the item');
}
