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
