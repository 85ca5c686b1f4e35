// Repetitions in alternating order, so that drift on a noisy machine spreads over every implementation.
import type { Impl } from './results.ts';

/**
 * Runs `measure` for every implementation in each of `rounds` rounds, rotating the order each round
 * (round r starts with impls[r % n]), and collects the samples per implementation.
 */
export async function alternate<I extends Impl>(
  impls: readonly I[],
  rounds: number,
  measure: (impl: I, round: number) => Promise<number[]>,
): Promise<Map<Impl, number[]>> {
  const samples = new Map<Impl, number[]>(impls.map((i) => [i, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < impls.length; k++) {
      const impl = impls[(round + k) % impls.length]!;
      samples.get(impl)!.push(...(await measure(impl, round)));
    }
  }
  return samples;
}
