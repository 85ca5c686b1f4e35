// Argument validation with messages of the form "Expected `x` to be ..., got `v` (type)": the one
// place that checks durations and options objects (API.md section 12).

import { got } from '../errors.js';

/** A duration in milliseconds: a number >= 0, `Infinity` (no limit) included. */
export function validateMs(value: unknown, label: string): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`Expected \`${label}\` to be a number >= 0 or Infinity, ${got(value)}`);
  }
}

/** An optional timeout: undefined (no limit), or a number >= 0, `Infinity` included. */
export function validateTimeout(value: unknown, label: string): asserts value is number | undefined {
  if (value !== undefined) validateMs(value, label);
}

const NONE: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * An options object: undefined (taken as `{}`) or an object whose own keys are all in `keys`.
 * `call` names the function or class in the message (`stop()`, `map()`, `Queue`).
 * @throws {TypeError} for `null`, a non-object, or an unknown key.
 */
export function validateOptions(options: unknown, call: string, keys: Iterable<string>): Readonly<Record<string, unknown>> {
  if (options === undefined) return NONE;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`options\` to be an object or undefined, ${got(options)}`);
  }
  const allowed = keys instanceof Set ? (keys as ReadonlySet<string>) : new Set(keys);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new TypeError(`Unknown option \`${key}\` for ${call}; expected one of: ${[...allowed].join(', ')}`);
  }
  return options as Record<string, unknown>;
}

/** An optional boolean option. */
export function validateBoolean(value: unknown, label: string): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`Expected \`${label}\` to be a boolean, ${got(value)}`);
}

/** The options of stop() and stopAll() (`call` names which), checked: `graceMs` a number >= 0 or Infinity, default 1000. */
export function validateStopOptions(options: unknown, call: string, keys: readonly string[] = ['graceMs']): { graceMs: number } {
  const graceMs = validateOptions(options, call, keys).graceMs ?? 1000;
  validateMs(graceMs, 'graceMs');
  return { graceMs };
}
