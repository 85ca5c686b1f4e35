// TaskScope's options and their validation (API.md section 10).

import { got } from '../errors.js';
import { validateMs, validateOptions } from '../base/validate.js';

/** When one child's outcome cancels the others. */
export type ScopePolicy = 'allSucceed' | 'firstSucceeds' | 'all';

/** Options of `new TaskScope(...)`. */
export interface TaskScopeOptions {
  /** `'allSucceed'` (default): the first failure cancels the others; `'firstSucceeds'`: the first completion does; `'all'`: none does. */
  policy?: ScopePolicy;
  /** The scope is cancelled this long after it was constructed, unless join() has settled; join() then throws TimeoutError. Default Infinity. */
  deadlineMs?: number;
  /** The scope is cancelled when it aborts; join() then throws CancelledError with its reason. */
  signal?: AbortSignal;
  /** How long a cancelled child is given to end before it is terminated. Default 1000. */
  graceMs?: number;
  /** For messages. Default `TaskScope-N`. */
  name?: string;
}

/** The options in force. */
export interface ScopeSettings {
  readonly policy: ScopePolicy;
  readonly deadlineMs: number;
  readonly signal: AbortSignal | undefined;
  readonly graceMs: number;
  readonly name: string;
}

const KEYS = new Set(['policy', 'deadlineMs', 'signal', 'graceMs', 'name']);
const POLICIES: ReadonlySet<unknown> = new Set(['allSucceed', 'firstSucceeds', 'all']);

/**
 * Checks `options` before anything is set up.
 * @throws {TypeError} for an unknown key, a policy that is none of the three, a signal that is not an AbortSignal, an empty name.
 * @throws {RangeError} for a deadlineMs that is not a number >= 0 (Infinity allowed), a graceMs that is not a finite number >= 0.
 */
export function validateScopeOptions(options: unknown, defaultName: () => string): ScopeSettings {
  const { policy = 'allSucceed', deadlineMs = Infinity, signal, graceMs = 1000, name } = validateOptions(options, 'TaskScope', KEYS);
  if (!POLICIES.has(policy)) throw new TypeError(`Expected \`policy\` to be 'allSucceed', 'firstSucceeds' or 'all', ${got(policy)}`);
  validateMs(deadlineMs, 'deadlineMs');
  if (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0) {
    throw new RangeError(`Expected \`graceMs\` to be a finite number >= 0, ${got(graceMs)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, ${got(signal)}`);
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(name)}`);
  }
  return { policy: policy as ScopePolicy, deadlineMs, signal, graceMs, name: name ?? defaultName() };
}
