// The CPU-bound unit of work every implementation runs: integer mixing, no allocation, no I/O.

/** Runs `iterations` rounds of a xorshift-multiply mix starting from `seed`; returns the final state. */
export function mix(seed, iterations) {
  let x = seed | 0;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x = Math.imul(x, 0x5bd1e995);
  }
  return x;
}
