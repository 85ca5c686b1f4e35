// A histogram of microsecond samples with 3 significant digits, recorded in a few nanoseconds (log-linear buckets, as HdrHistogram).

/** A histogram's summary, in integer microseconds; all zeros when empty. */
export interface Histogram {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** Values below this are counted exactly; above, each power of two is split in SUB / 2 buckets (relative error < 2/SUB). */
const SUB = 1024;
const SUB_BITS = 10;

/**
 * Samples in µs, rounded to integers of at least 1. Values under 1024 µs are exact; larger ones
 * land in a bucket at most 1/512 of their magnitude wide (3 significant digits). Memory grows by
 * one 512-bucket block per power of two actually seen.
 */
export class Recorder {
  #count = 0;
  #sum = 0;
  #min = 0;
  #max = 0;
  /** #levels[0]: values 0..1023 exactly; #levels[e] (e >= 1): values [512·2^e, 1024·2^e) in steps of 2^e. */
  #levels: (Uint32Array | undefined)[] = [new Uint32Array(SUB)];

  /** Records one sample of `us` microseconds. */
  record(us: number): void {
    let v = Math.round(us);
    if (!(v >= 1)) v = 1; // also NaN
    if (this.#count === 0 || v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
    this.#count += 1;
    this.#sum += v;
    if (v < SUB) {
      this.#levels[0]![v]! += 1;
      return;
    }
    const e = v < 2 ** 31 ? 32 - Math.clz32(v) - SUB_BITS : Math.floor(Math.log2(v)) + 1 - SUB_BITS;
    const level = (this.#levels[e] ??= new Uint32Array(SUB / 2));
    level[Math.floor(v / 2 ** e) - SUB / 2]! += 1;
  }

  /** The summary (quantiles at their bucket's middle, kept within min..max). */
  summary(): Histogram {
    const count = this.#count;
    if (count === 0) return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 };
    const min = this.#min;
    const max = this.#max;
    const clamp = (v: number) => Math.min(max, Math.max(min, Math.round(v)));
    const ranks = [0.5, 0.9, 0.99].map((q) => Math.max(1, Math.ceil(q * count)));
    const found: number[] = [];
    let seen = 0;
    for (let e = 0; e < this.#levels.length && found.length < ranks.length; e += 1) {
      const level = this.#levels[e];
      if (level === undefined) continue;
      const width = e === 0 ? 1 : 2 ** e;
      const base = e === 0 ? 0 : SUB / 2;
      for (let i = 0; i < level.length && found.length < ranks.length; i += 1) {
        if (level[i] === 0) continue;
        seen += level[i]!;
        while (found.length < ranks.length && seen >= ranks[found.length]!) found.push(clamp((base + i) * width + (width - 1) / 2));
      }
    }
    return { count, min, max, mean: clamp(this.#sum / count), p50: found[0]!, p90: found[1]!, p99: found[2]! };
  }
}
