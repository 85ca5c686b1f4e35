// Summary statistics for benchmark samples: median, p95, and the result row they feed.

/** The value at quantile `q` (0..1) of `samples`, by linear interpolation between closest ranks. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new RangeError('Expected at least one sample, got none');
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const median = (samples: readonly number[]): number => quantile(samples, 0.5);
export const p95 = (samples: readonly number[]): number => quantile(samples, 0.95);
