// threadkit task module for cpu-speedup, in JavaScript so that its threads need no TypeScript loader.
import { task } from 'threadkit';
import { mix } from './kernel.mjs';

/** One unit of the batch, as a pool task (the peers run the same unit, mixOne of peer-tasks.mjs). */
export const mixOne = task(import.meta.url, function mixOne(seed, iterations) {
  return mix(seed, iterations);
});
