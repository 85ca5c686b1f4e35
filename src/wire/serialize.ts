// Errors across the thread boundary: serialize in the thread, rebuild with their class on the owner's side.

import {
  BrokenBarrierError,
  CancelledError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TaskError,
  TerminatedError,
  ThreadCrashedError,
  ThreadStateError,
  ExecutorShutDownError,
  TimeoutError,
} from '../errors.js';
import type { SerializedThrown } from './protocol.js';

type ErrorClass = { readonly prototype: Error };

const BUILTINS: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
  ThreadStateError,
  ExecutorShutDownError,
  CancelledError,
  TerminatedError,
  ThreadCrashedError,
  TimeoutError,
  TaskError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  BrokenBarrierError,
};

const SKIPPED = new Set(['name', 'message', 'stack', 'cause']);
const MAX_DEPTH = 8;

/** Turns a thrown value into something structured clone can carry, keeping class, stack, cause and own props. */
export function serializeThrown(thrown: unknown, depth = 0): SerializedThrown {
  if (!(thrown instanceof Error) || depth > MAX_DEPTH) {
    return { kind: 'value', value: cloneable(thrown) ? thrown : String(thrown) };
  }
  const ctor = thrown.constructor?.name ?? '';
  const builtin = Object.hasOwn(BUILTINS, ctor) ? ctor : '';
  const props: Record<string, unknown> = {};
  // An AggregateError's errors are rebuilt as thrown errors are (class, name, code, cause, stack).
  const errors = thrown instanceof AggregateError && Array.isArray(thrown.errors) ? (thrown.errors as unknown[]) : undefined;
  for (const key of Object.getOwnPropertyNames(thrown)) {
    if (SKIPPED.has(key) || (key === 'errors' && errors !== undefined)) continue;
    const value = (thrown as unknown as Record<string, unknown>)[key];
    if (cloneable(value)) props[key] = value;
  }
  const hasCause = Object.prototype.hasOwnProperty.call(thrown, 'cause');
  return {
    kind: 'error',
    builtin,
    name: String(thrown.name),
    message: String(thrown.message),
    stack: typeof thrown.stack === 'string' ? thrown.stack : undefined,
    hasCause,
    cause: hasCause ? serializeThrown(thrown.cause, depth + 1) : undefined,
    props,
    ...(errors === undefined ? {} : { errors: errors.map((each) => serializeThrown(each, depth + 1)) }),
  };
}

/**
 * Rebuilds what `serializeThrown` made: built-in and threadkit classes (AggregateError included,
 * its `errors` rebuilt each) as themselves, others as `Error` keeping `name`.
 */
export function rebuildThrown(data: SerializedThrown): unknown {
  if (data.kind === 'value') return data.value;
  const Ctor = (Object.hasOwn(BUILTINS, data.builtin) ? BUILTINS[data.builtin] : undefined) ?? Error;
  const error = Object.create(Ctor.prototype) as Error;
  define(error, 'message', data.message);
  if (data.name !== Ctor.prototype.name) define(error, 'name', data.name);
  define(error, 'stack', data.stack ?? `${data.name}: ${data.message}`);
  if (data.hasCause) define(error, 'cause', data.cause === undefined ? undefined : rebuildThrown(data.cause));
  if (data.errors !== undefined) define(error, 'errors', data.errors.map(rebuildThrown));
  for (const [key, value] of Object.entries(data.props)) {
    (error as unknown as Record<string, unknown>)[key] = value;
  }
  return error;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

/** Whether structured clone can carry `value` (functions, symbols and the like cannot). */
export function cloneable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
