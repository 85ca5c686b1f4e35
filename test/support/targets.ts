// Plain-function targets shared by tests: each sets flag[0] once running, then blocks in one known way.

// A plain-function target is sent to the thread as its source text, so each body here must be
// self-contained: nothing from this module, only its arguments and threadkit's in-thread functions
// (imported here for the types; in the thread they are provided by name).
import { checkpoint, sleep, sleepSync, type Event } from 'threadkit';

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

/**
 * Sets `started`, then ignores cancel until `go` is set (it polls `go.isSet()`: a wait of
 * threadkit's would end at the cancel) and returns 'finished'. Only the grace period of a stop()
 * decides whether it finishes or is terminated.
 */
export function stubborn(started: Event, go: Event): string {
  started.set();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (!go.isSet()) Atomics.wait(pause, 0, 0, 5);
  return 'finished';
}

/** Sets `started`, then waits for `go` with `timeoutMs`, blocking (`sync`) or not: true once set, false on timeout. */
export function waitForGo(started: Event, go: Event, timeoutMs: number, sync: boolean): boolean | Promise<boolean> {
  started.set();
  return sync ? go.waitSync(timeoutMs) : go.wait(timeoutMs);
}

/** Sets `started`, then returns what sleep(ms) resolves with: false when a cancel wakes it. */
export function signalThenAsyncSleep(started: Event, ms: number): Promise<boolean> {
  started.set();
  return sleep(ms);
}

/** Sets `started`, then sleeps until cancelled (its sleepSync() wakes, checkpoint() throws). */
export function setThenSleepForever(started: Event): never {
  started.set();
  for (;;) {
    sleepSync(60_000);
    checkpoint();
  }
}

/** Sets `started`, then spins on checkpoint() until cancelled. */
export function setThenCheckpoint(started: Event): never {
  started.set();
  for (;;) checkpoint();
}

/** Sleeps `ms` (woken early by a cancel) and returns `ms`. */
export function nap(ms: number): number {
  sleepSync(ms);
  return ms;
}
