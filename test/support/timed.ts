// Timing a step for generous bounds in tests ("ended well under a second"); the benchmark measures real figures.

/** Runs `step` and resolves with what it resolved with and the milliseconds it took to settle. */
export async function timed<V>(step: () => Promise<V>): Promise<{ value: V; ms: number }> {
  const t0 = performance.now();
  const value = await step();
  return { value, ms: performance.now() - t0 };
}
