// threadkit task module for cpu-speedup, in JavaScript so that its threads need no TypeScript loader.
import { task } from 'threadkit';
import { mix } from './kernel.mjs';

/** Mixes each seed; one thread's share of the batch. */
export const mixBatch = task(import.meta.url, function mixBatch(seeds, iterations) {
  return seeds.map((seed) => mix(seed, iterations));
});
