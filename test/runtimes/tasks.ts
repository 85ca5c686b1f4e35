// Module tasks for the runtime smoke suite (smoke.ts): TypeScript, run natively by Bun and Deno.

import { checkpoint, sleepSync, task } from '../../dist/index.js';

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
