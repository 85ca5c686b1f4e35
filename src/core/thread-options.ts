// The options of `new Thread(...)`, `new Process(...)` and `stop()`, their types, and their checks.

import { got } from '../errors.js';
import type { Target } from '../backend/task.js';
import type { ResourceLimits } from '../backend/transport.js';
import { validateOptions } from '../base/validate.js';
import { validateLimits } from './options.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => unknown;

/** The arguments a target takes. */
export type ArgsOf<T> = T extends AnyFunction ? Parameters<T> : unknown[];
/** What `result()` resolves with for a target. */
export type ResultOf<T> = T extends AnyFunction ? Awaited<ReturnType<T>> : unknown;

/** Options of `new Thread(...)` and `new Process(...)`. */
export interface ThreadOptions<T extends Target = Target> {
  /** What the thread runs: a task() function, a plain function, or `{ module, name }`. */
  target?: T;
  /** Arguments for the target, sent by structured clone. Default `[]`. */
  args?: ArgsOf<T>;
  /** Default `Thread-N` / `Process-N`. */
  name?: string;
  /** A daemon does not keep the program alive. Default false. */
  daemon?: boolean;
  /** Memory and stack limits of the thread (worker `resourceLimits`; for a Process, heap flags). */
  resourceLimits?: ResourceLimits;
}

/** Options of `stop()`. */
export interface StopOptions {
  /** How long to wait after cancel() before terminate(). Default 1000. */
  graceMs?: number;
}

const OPTION_KEYS = new Set(['target', 'args', 'name', 'daemon', 'resourceLimits']);

/** Thread options once checked: `args` and `resourceLimits` are copies; `name` is undefined for the default one. */
export interface ThreadSettings<T extends Target> {
  readonly target: T | undefined;
  readonly args: unknown[];
  readonly name: string | undefined;
  readonly daemon: boolean;
  readonly resourceLimits: ResourceLimits | undefined;
}

/**
 * `options` checked key by key (`kind`: 'Thread' or 'Process', for messages).
 * @throws {TypeError} when `options` is not an object, has an unknown key, or a value of the wrong type.
 * @throws {RangeError} when a resource limit is not a finite number > 0.
 */
export function validateThreadOptions<T extends Target>(options: ThreadOptions<T> | undefined, kind: string): ThreadSettings<T> {
  const opts = validateOptions(options, kind, OPTION_KEYS) as ThreadOptions<T>;
  if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name === '')) {
    throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(opts.name)}`);
  }
  if (opts.daemon !== undefined && typeof opts.daemon !== 'boolean') {
    throw new TypeError(`Expected \`daemon\` to be a boolean, ${got(opts.daemon)}`);
  }
  if (opts.args !== undefined && !Array.isArray(opts.args)) {
    throw new TypeError(`Expected \`args\` to be an array, ${got(opts.args)}`);
  }
  const resourceLimits = validateLimits(opts.resourceLimits);
  return { target: opts.target, args: opts.args ? [...opts.args] : [], name: opts.name, daemon: opts.daemon ?? false, resourceLimits };
}
