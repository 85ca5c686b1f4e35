// Module tasks for the runtime smoke suite (smoke.ts): TypeScript, run natively by Bun and Deno.

import { checkpoint, currentThread, sleepSync, task } from '../../dist/index.js';

export const add = task(import.meta.url, function add(a: number, b: number): number {
  return a + b;
});

/** Blocks until cancelled (or 30 s), then says how it woke. */
export const nap = task(import.meta.url, function nap(): string {
  return sleepSync(30_000) ? 'slept' : 'woken';
});

/** Blocks until cancelled, then gives up through checkpoint(): ends 'cancelled'. */
export const napThenCheckpoint = task(import.meta.url, function napThenCheckpoint(): void {
  sleepSync(30_000);
  checkpoint();
});

/** Ignores cancel: only terminate() ends it. */
export const spin = task(import.meta.url, function spin(): void {
  for (;;);
});

export const fail = task(import.meta.url, function fail(message: string): never {
  throw new RangeError(message);
});

export const shout = task(import.meta.url, function shout(word: string): string {
  console.log(`out ${word}`);
  console.error(`err ${word}`);
  return word.toUpperCase();
});

/** An export reached as `{ module, name }`. */
export function greet(name: string): string {
  return `hello ${name}`;
}

/** The worker it runs on (a pool task): its currentThread().ident. */
export const ident = task(import.meta.url, function ident(): number {
  return currentThread().ident;
});

/** Blocks until cancelled (or 30 s), then says on which worker and how it woke. */
export const identNap = task(import.meta.url, function identNap(): { ident: number; woken: boolean } {
  return { ident: currentThread().ident, woken: !sleepSync(30_000) };
});
