// Plain-function targets shared by the executor tests: self-contained (sent as source), so a worker needs no TypeScript loader.

import { cancelled, cancelSignal, checkpoint, currentThread, sleep, sleepSync } from 'threadkit';

/** Sets `f[0]`, then sleeps `ms` in sleepSync (a cancel wakes it); returns who ran it and whether it was cancelled. */
export function sleeper(f: Int32Array, ms: number): { ident: number; cancelled: boolean } {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  sleepSync(ms);
  return { ident: currentThread().ident, cancelled: cancelled() };
}

/** Sleeps `ms` (a cancel wakes it), then checkpoint(): returns `ms`, or ends cancelled when cancelled. */
export function napThenCheck(ms: number): number {
  sleepSync(ms);
  checkpoint();
  return ms;
}

/** Who runs this task, and whether it sees a cancel (it must not, after a cancelled one). */
export function probe(ticket: { n: number }): { n: number; ident: number; name: string; cancelled: boolean } {
  return { n: ticket.n, ident: currentThread().ident, name: currentThread().name, cancelled: cancelled() };
}

/** Awaits nothing but its cancelSignal(): it ends cancelled when cancelled. */
export async function awaitSignal(f: Int32Array): Promise<never> {
  const signal = cancelSignal();
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
  throw new Error('unreachable');
}

/** An async sleep a cancel wakes: resolves false when cancelled. */
export async function asyncSleeper(f: Int32Array, ms: number): Promise<boolean> {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  return sleep(ms);
}

export function add(a: number, b: number): number {
  return a + b;
}

/** Throws a RangeError with a code for text that is not a number. */
export function parse(text: string): number {
  const n = Number(text);
  if (Number.isNaN(n)) throw Object.assign(new RangeError(`not a number: ${text}`), { code: 'E_PARSE' });
  return n;
}

/** An initializer that leaves state for the tasks of its worker. */
export function setUp(greeting: string): void {
  (globalThis as { greeting?: string }).greeting = greeting;
}

/** An initializer that takes its greeting from an object, and sets `ready` (an Event) when it is there. */
export function setUpFrom(options: { greeting: string; ready?: { set(): void } }): void {
  (globalThis as { greeting?: string }).greeting = options.greeting;
  options.ready?.set();
}

/** Reads what setUp left. */
export function greet(name: string): string {
  return `${(globalThis as { greeting?: string }).greeting ?? 'no greeting'} ${name}`;
}

/** An initializer that fails. */
export function failingSetUp(): void {
  throw new RangeError('the database is down');
}
