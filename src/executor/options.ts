// Executor options: what they are, their defaults, and their validation in the constructor.

import { availableParallelism } from 'node:os';
import { got } from '../errors.js';
import { validateLimits } from '../core/options.js';
import type { ResourceLimits } from '../backend/transport.js';
import { validateMs, validateOptions as validateOptionsObject } from '../base/validate.js';
import type { Target } from '../backend/task.js';

/** Options of `new ThreadPoolExecutor(...)` and `new ProcessPoolExecutor(...)`. */
export interface ExecutorOptions {
  /** Most workers at once. Default: the machine's available parallelism. */
  maxWorkers?: number;
  /** Workers started at once and kept (a warm pool). Default 0. */
  minWorkers?: number;
  /** An idle worker above `minWorkers` ends after this long. Default 10 000. */
  idleTimeoutMs?: number;
  /** A worker is replaced after this many tasks. Default Infinity. */
  maxTasksPerWorker?: number;
  /** Run once in every new worker before its first task; if it fails, the pool is broken. */
  initializer?: Target;
  /** Arguments of the initializer. Default []. */
  initArgs?: unknown[];
  /** Memory and stack limits of each worker (as for Thread; for a process pool, heap flags). */
  resourceLimits?: ResourceLimits;
  /** Default `ThreadPoolExecutor-N` / `ProcessPoolExecutor-N`; workers are `<name>_<i>`. */
  name?: string;
  /**
   * Most tasks waiting for a worker; a submit that would wait above it throws RangeError. A task
   * handed to an idle worker or to a worker started for it does not wait (0: none ever waits).
   * Default Infinity.
   */
  maxQueued?: number;
  /** What stop() and an aborted signal give a task before its worker is replaced. Default 1000. */
  graceMs?: number;
}

const OPTION_KEYS = new Set([
  'maxWorkers',
  'minWorkers',
  'idleTimeoutMs',
  'maxTasksPerWorker',
  'initializer',
  'initArgs',
  'resourceLimits',
  'name',
  'maxQueued',
  'graceMs',
]);

/** The options with their defaults, checked. */
export interface Settings {
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeoutMs: number;
  readonly maxTasksPerWorker: number;
  readonly maxQueued: number;
  readonly graceMs: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly name: string | undefined;
  readonly initializer: Target | undefined;
  readonly initArgs: unknown[] | undefined;
}

/**
 * Checks the options of a pool of `kind` and fills in the defaults.
 * @throws {TypeError} for an unknown option or one of the wrong type.
 * @throws {RangeError} for a number out of range (`minWorkers` above `maxWorkers` included).
 */
export function validateOptions(options: ExecutorOptions | undefined, kind: string): Settings {
  const opts = validateOptionsObject(options, kind, OPTION_KEYS) as ExecutorOptions;
  const maxWorkers = count(opts.maxWorkers, 'maxWorkers', availableParallelism(), 1);
  const minWorkers = count(opts.minWorkers, 'minWorkers', 0, 0);
  if (minWorkers > maxWorkers) {
    throw new RangeError(`Expected \`minWorkers\` to be at most \`maxWorkers\` (${maxWorkers}), got \`${minWorkers}\` (number)`);
  }
  const idleTimeoutMs = opts.idleTimeoutMs ?? 10_000;
  validateMs(idleTimeoutMs, 'idleTimeoutMs');
  const graceMs = opts.graceMs ?? 1000;
  validateMs(graceMs, 'graceMs');
  if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name === '')) {
    throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(opts.name)}`);
  }
  if (opts.initArgs !== undefined && !Array.isArray(opts.initArgs)) {
    throw new TypeError(`Expected \`initArgs\` to be an array, ${got(opts.initArgs)}`);
  }
  if (opts.initArgs !== undefined && opts.initializer === undefined) {
    throw new TypeError('`initArgs` was given without an `initializer`; pass the initializer too, or drop initArgs.');
  }
  return {
    maxWorkers,
    minWorkers,
    idleTimeoutMs,
    maxTasksPerWorker: limit(opts.maxTasksPerWorker, 'maxTasksPerWorker', 1),
    maxQueued: limit(opts.maxQueued, 'maxQueued', 0),
    graceMs,
    resourceLimits: validateLimits(opts.resourceLimits),
    name: opts.name,
    initializer: opts.initializer,
    initArgs: opts.initArgs === undefined ? undefined : [...opts.initArgs],
  };
}

function count(value: unknown, label: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`Expected \`${label}\` to be an integer >= ${min}, ${got(value)}`);
  }
  return value;
}

function limit(value: unknown, label: string, min: number): number {
  if (value === undefined || value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`Expected \`${label}\` to be an integer >= ${min} or Infinity, ${got(value)}`);
  }
  return value;
}
