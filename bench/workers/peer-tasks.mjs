// Task module for the peer pools (piscina, tinypool, workerpool, poolifier): each export is one task.
import { mix } from './kernel.mjs';

const stamp = (buffer) => {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
  return s;
};

/** Stamps slot 0 and returns (a task that "runs"). */
export function stampOnly(buffer) {
  stamp(buffer);
  return 0;
}

/** Returns its argument (the trivial task of the round-trip and throughput metrics). */
export function echo(value) {
  return value;
}

/** Stamps slot 0, then spins until the worker is killed (a task only termination can stop). */
export function stampAndSpin(buffer) {
  stamp(buffer);
  let x = 1;
  for (;;) x = mix(x, 1000);
}

/** Stamps slot 0, then blocks until slot 1 is set (keeps its worker busy and idle). */
export function stampAndBlock(buffer) {
  Atomics.wait(stamp(buffer), 1, 0n);
  return 0;
}

/** One unit of the cpu-speedup batch. */
export function mixOne({ seed, iterations }) {
  return mix(seed, iterations);
}
