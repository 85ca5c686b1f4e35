// Validation of the options shared by threads, processes and pools: resourceLimits.

import { got } from '../errors.js';
import type { ResourceLimits } from '../backend/transport.js';

const LIMIT_KEYS = new Set(['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb']);

/** A copy of `resourceLimits`, checked key by key. */
export function validateLimits(limits: unknown): ResourceLimits | undefined {
  if (limits === undefined) return undefined;
  if (typeof limits !== 'object' || limits === null) {
    throw new TypeError(`Expected \`resourceLimits\` to be an object, ${got(limits)}`);
  }
  for (const [key, value] of Object.entries(limits)) {
    if (!LIMIT_KEYS.has(key)) {
      throw new TypeError(`Unknown resourceLimits key \`${key}\`; expected one of: ${[...LIMIT_KEYS].join(', ')}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`Expected \`resourceLimits.${key}\` to be a finite number > 0, ${got(value)}`);
    }
  }
  return { ...(limits as ResourceLimits) };
}
