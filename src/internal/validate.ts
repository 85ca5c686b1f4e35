// Argument validation with messages of the form "Expected `x` to be ..., got `v` (type)".

import { got } from '../errors.js';

/** A duration in milliseconds: a number >= 0, finite unless `infinite` allows Infinity. */
export function validateMs(value: unknown, label: string, infinite: boolean): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!infinite && !Number.isFinite(value))) {
    throw new RangeError(`Expected \`${label}\` to be a ${infinite ? '' : 'finite '}number >= 0, ${got(value)}`);
  }
}

/** An optional timeout: undefined, or a finite number >= 0. */
export function validateTimeout(value: unknown, label: string): asserts value is number | undefined {
  if (value !== undefined) validateMs(value, label, false);
}

/**
 * An options object: undefined (taken as `{}`) or an object whose keys are all in `keys`.
 * `call` names the function in the message (`stop()`).
 */
export function validateOptions(options: unknown, call: string, keys: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`options\` to be an object or undefined, ${got(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw new TypeError(`Unknown option \`${key}\` for ${call}; expected one of: ${keys.join(', ')}`);
  }
  return options as Record<string, unknown>;
}

/** The options of stop() and stopAll() (`call` names which), checked: `graceMs` a finite number >= 0, default 1000. */
export function validateStopOptions(options: unknown, call: string, keys: readonly string[] = ['graceMs']): { graceMs: number } {
  const graceMs = validateOptions(options, call, keys).graceMs ?? 1000;
  validateMs(graceMs, 'graceMs', false);
  return { graceMs };
}
