// Shutting a program down: stop every live thread, on demand or on SIGINT/SIGTERM.

import { constants } from 'node:os';
import { live, pools } from './core/live.js';
import type { Outcome } from './core/lifecycle.js';
import type { StopOptions } from './core/thread-options.js';
import { validateStopOptions } from './base/validate.js';
import { got } from './errors.js';

/**
 * Stops every live Thread and Process started from this thread at once: cancel(), wait up to
 * `graceMs` (default 1000) for each to end, then terminate() the rest. Stops every executor that
 * was not shut down the same way (`pool.stop(options)`). Resolves with the threads' outcomes.
 * @throws {TypeError} (rejects) when `options` is not an object or has an unknown key.
 * @throws {RangeError} (rejects) when `graceMs` is not a number >= 0 (Infinity: no limit).
 */
export async function stopAll(options?: StopOptions): Promise<Outcome[]> {
  const checked = validateStopOptions(options, 'stopAll()');
  const stopping = [...pools].map((pool) => pool.stop(checked));
  const outcomes = await Promise.all([...live].map((thread) => thread.stop(checked) as Promise<Outcome>));
  await Promise.all(stopping);
  return outcomes;
}

/** Options of stopOnSignals(). */
export interface StopOnSignalsOptions extends StopOptions {
  /** Default ['SIGINT', 'SIGTERM']. */
  signals?: NodeJS.Signals[];
}

/**
 * Makes Ctrl-C (and the other `signals`) stop the program cleanly: on the first signal, stopAll()
 * with the grace period, then exit with code 128 + the signal's number, as the default handler
 * would. A second signal while stopping exits at once. Returns a function that removes the handlers.
 * @throws {TypeError} when `options` is not an object, has an unknown key, or `signals` names no signal.
 * @throws {RangeError} when `graceMs` is not a number >= 0 (Infinity: no limit).
 * @example
 * stopOnSignals({ graceMs: 2000 });
 */
export function stopOnSignals(options?: StopOnSignalsOptions): () => void {
  // Checked now: a wrong option must not surface later, inside the signal handler.
  const { graceMs } = validateStopOptions(options, 'stopOnSignals()', ['graceMs', 'signals']);
  const signals = options?.signals ?? ['SIGINT', 'SIGTERM'];
  if (!Array.isArray(signals)) {
    throw new TypeError(`Expected \`signals\` to be an array of signal names such as 'SIGINT', ${got(signals)}`);
  }
  for (const signal of signals) {
    if (typeof signal !== 'string' || !(signal in constants.signals)) {
      throw new TypeError(`Expected \`signals\` to list signal names such as 'SIGINT', got \`${String(signal)}\``);
    }
  }
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    const code = 128 + (constants.signals[signal] ?? 0);
    if (stopping) process.exit(code);
    stopping = true;
    void stopAll({ graceMs }).finally(() => process.exit(code));
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
