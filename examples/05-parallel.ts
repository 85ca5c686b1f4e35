// Seed 6: CPU-bound work on all cores. Worker threads run JavaScript in parallel; there is no GIL.
import os from 'node:os';
import { Thread } from 'threadkit';

/**
 * Counts the primes below `limit` by trial division, in blocks of `block` numbers:
 * blocks first, first + stride, first + 2·stride, ... (so `stride` threads share the work evenly).
 */
function countPrimes(first: number, stride: number, limit: number, block = 10_000): number {
  let count = 0;
  for (let start = first * block; start < limit; start += stride * block) {
    for (let n = Math.max(start, 2); n < Math.min(start + block, limit); n += 1) {
      let prime = true;
      for (let d = 2; d * d <= n; d += 1) {
        if (n % d === 0) {
          prime = false;
          break;
        }
      }
      if (prime) count += 1;
    }
  }
  return count;
}

const limit = 4_000_000;
const cores = os.availableParallelism();

// Serial: the same function called in place on the main thread.
let started = performance.now();
const serial = countPrimes(0, 1, limit);
const serialMs = performance.now() - started;
console.log(`serial on the main thread: ${serial} primes below ${limit} in ${serialMs.toFixed(0)} ms`);

// Parallel: the same function as a plain function target, one thread per core, each taking
// every cores-th block.
started = performance.now();
const threads = Array.from({ length: cores }, (_, i) => new Thread({ target: countPrimes, args: [i, cores, limit] }).start());
const counts = await Promise.all(threads.map((t) => t.result()));
const parallelMs = performance.now() - started;
const parallel = counts.reduce((a, b) => a + b, 0);
console.log(`${cores} threads: ${parallel} primes in ${parallelMs.toFixed(0)} ms (thread start included)`);

console.log(`same answer: ${parallel === serial}`);
console.log(`speedup: x${(serialMs / parallelMs).toFixed(2)} on ${cores} cores (Python threads: x0.96 on 2, per the seed)`);
