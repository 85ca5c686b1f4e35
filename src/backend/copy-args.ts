// Copying a pool task's args for a worker thread at submit: small plain data by hand, the rest by structured clone.

import { types } from 'node:util';

/**
 * A copy of `args` as a worker thread will receive them: small plain data copied by hand (no
 * clone: the tiny tasks' fast path), the rest by structured clone (SharedArrayBuffers stay shared).
 * @throws {DOMException} DataCloneError when an argument cannot be cloned.
 */
export function copyForWorker(args: readonly unknown[]): unknown[] {
  const copy = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const plain = plainCopy(arg, 2);
    copy[i] = plain === NOT_PLAIN ? structuredClone(arg) : plain;
  }
  return copy;
}

/** What plainCopy answers for a value it does not copy by hand. */
const NOT_PLAIN = Symbol('not plain');

/**
 * A copy of `value` when it is certainly plain data, seen without cloning it: a primitive other
 * than a symbol, a SharedArrayBuffer (shared, not copied), or (`depth` levels down) a small array
 * or plain object of such values, with no getters and no proxy. NOT_PLAIN otherwise: the caller
 * clones it. (So submit does not pay a structured clone for the small args of tiny tasks.)
 */
function plainCopy(value: unknown, depth: number): unknown {
  const type = typeof value;
  if (value === null || (type !== 'object' && type !== 'function' && type !== 'symbol')) return value;
  if (type !== 'object' || types.isProxy(value)) return NOT_PLAIN;
  if (value instanceof SharedArrayBuffer) return value;
  if (depth === 0) return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (value.length > 16 || Object.getPrototypeOf(value) !== Array.prototype || Object.keys(value).length !== value.length)
      return NOT_PLAIN;
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value)) return NOT_PLAIN;
      const member = plainCopy(value[i], depth - 1);
      if (member === NOT_PLAIN) return NOT_PLAIN;
      copy[i] = member;
    }
    return copy;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const keys = Object.keys(value as object);
  if (keys.length > 16) return NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    const property = Object.getOwnPropertyDescriptor(value, key);
    if (property === undefined || !('value' in property) || key === '__proto__') return NOT_PLAIN;
    const member = plainCopy(property.value, depth - 1);
    if (member === NOT_PLAIN) return NOT_PLAIN;
    copy[key] = member;
  }
  return copy;
}
