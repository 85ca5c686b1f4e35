// Long waits without waiting 25 days: what a test of a timeout above 2**31 - 1 ms (or Infinity) checks.

import assert from 'node:assert/strict';

/** Above setTimeout's limit (2**31 - 1 ms): Node fires such a timer after 1 ms, with a TimeoutOverflowWarning. */
export const LONG_MS = 2 ** 31;

/** The long waits every timeout must honour (API.md section 12): just above setTimeout's limit, far above it, and no limit. */
export const LONG_WAITS: readonly number[] = [LONG_MS, 2 ** 40, Infinity];

/** How long a test lets a long wait run to see that it has not fired (it would fire after 1 ms when clamped). */
export const NOT_YET_MS = 150;

/** Resolves after `ms` of real time: only to let a wait run that must NOT end in that time. */
export function elapse(ms = NOT_YET_MS): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Records the process warnings emitted while `body` runs (and one turn after: a warning is emitted
 * on the next tick) and fails when one is a TimeoutOverflowWarning.
 */
export async function noTimeoutOverflow<V>(body: () => Promise<V>): Promise<V> {
  const warnings: Error[] = [];
  const record = (warning: Error) => void warnings.push(warning);
  process.on('warning', record);
  try {
    const value = await body();
    await new Promise((resolve) => setImmediate(resolve));
    const overflows = warnings.filter((w) => w.name === 'TimeoutOverflowWarning');
    assert.deepEqual(
      overflows.map((w) => w.message),
      [],
      'a long timeout was handed to setTimeout as it is (Node clamps it to 1 ms)',
    );
    return value;
  } finally {
    process.off('warning', record);
  }
}

/** Tracks a promise: `settled` says whether it has settled yet, and how. */
export function watch<V>(promise: Promise<V>): { readonly settled: string | undefined; readonly promise: Promise<V> } {
  const state: { settled: string | undefined; promise: Promise<V> } = { settled: undefined, promise };
  promise.then(
    (value) => (state.settled = `resolved with ${String(value)}`),
    (error: unknown) => (state.settled = `rejected with ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
  );
  return state;
}
