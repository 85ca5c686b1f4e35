// Plain-function targets shared by tests: each sets flag[0] once running, then blocks in one known way.

// A plain-function target is sent to the thread as its source text, so each body here must be
// self-contained: nothing from this module, only its arguments and threadkit's in-thread functions
// (imported here for the types; in the thread they are provided by name).
import { checkpoint, sleepSync } from 'threadkit';

/** Sets `f[0]`, then spins without ever looking at cancel: only terminate() ends it. */
export function signalThenSpin(f: Int32Array): never {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  for (;;);
}

/** Sets `f[0]`, then spins on checkpoint(): cancel() ends it cancelled at once. */
export function signalThenCheckpoint(f: Int32Array): never {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  for (;;) checkpoint();
}

/**
 * Sets `f[0]`, sleeps `ms` in sleepSync(), then calls checkpoint(): cancel() ends it cancelled at
 * once. Left alone it completes with 'slept the full <ms> ms'.
 */
export function signalThenSleep(f: Int32Array, ms = 10_000): string {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  sleepSync(ms);
  checkpoint();
  return `slept the full ${ms} ms`;
}

/**
 * Sets `f[0]`, then returns what sleepSync(10_000) returns: false when cancel() wakes it, so the
 * thread completes (with false) rather than ending cancelled.
 */
export function signalThenSleepAndReturn(f: Int32Array): boolean {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  return sleepSync(10_000);
}

/** Sets `f[0]`, then sleeps and checks for cancel in a loop that never ends on its own. */
export function signalThenSleepForever(f: Int32Array): never {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  for (;;) {
    sleepSync(60_000);
    checkpoint();
  }
}
