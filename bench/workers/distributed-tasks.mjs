// threadkit module tasks of the distributed metrics, in JavaScript so that the hosts' threads need no
// TypeScript loader. They travel as this file's path relative to the client's root (the repository).
import { writeFileSync } from 'node:fs';
import { sleepSync, task } from 'threadkit';

/** A trivial job: returns its argument. */
export const echo = task(import.meta.url, function echo(value) {
  return value;
});

/** Writes `began` when it begins, blocks in sleepSync until cancelled, then writes the time it woke to `woke`. */
export const sleepThenStamp = task(import.meta.url, function sleepThenStamp(began, woke, foreverMs) {
  writeFileSync(began, String(process.hrtime.bigint()));
  sleepSync(foreverMs);
  writeFileSync(woke, String(process.hrtime.bigint()));
});

/** Spins forever without ever checking for cancellation (only a deadline's worker replacement ends it). */
export const spin = task(import.meta.url, function spin() {
  for (;;);
});

/** Returns the time it began (process.hrtime.bigint()). */
export const startStamp = task(import.meta.url, function startStamp() {
  return process.hrtime.bigint();
});
