// The results file (bench/results.json) and the rows every metric group returns.
import { median, p95 } from './stats.ts';

/** The worker-pool libraries, peers of the lifecycle, pool and cpu metrics. */
export const POOL_PEERS = ['piscina', 'tinypool', 'workerpool', 'poolifier'] as const;
export type PoolPeer = (typeof POOL_PEERS)[number];
/** The shared-memory libraries, peers of the shared-object metrics (`shared` group). */
export const SHARED_PEERS = ['multithreading'] as const;
/** Every peer library, in the order of the table's columns. */
export const PEERS = [...POOL_PEERS, ...SHARED_PEERS] as const;
export type Peer = (typeof PEERS)[number];

/** Who did the job: threadkit, a hand-written bare Node primitive, or a peer library. */
export type Impl = 'threadkit' | 'raw' | Peer;
/** The implementations of the metrics that pool peers take part in. */
export type PoolImpl = 'threadkit' | 'raw' | PoolPeer;

/** One line of results.json: the summary of `n` samples of one metric for one implementation. */
export interface Result {
  metric: string;
  impl: Impl;
  median: number;
  p95: number;
  unit: string;
  n: number;
}

/** The whole of bench/results.json. */
export interface ResultsFile {
  node: string;
  cpus: number;
  quick: boolean;
  results: Result[];
}

/** Summarizes raw samples into a result row. */
export function summarize(metric: string, impl: Impl, unit: string, samples: readonly number[]): Result {
  return { metric, impl, median: median(samples), p95: p95(samples), unit, n: samples.length };
}

/** Summarizes every implementation's samples of one metric (implementations with no samples are left out). */
export function summarizeAll(metric: string, unit: string, byImpl: ReadonlyMap<Impl, readonly number[]>): Result[] {
  return [...byImpl].filter(([, s]) => s.length > 0).map(([impl, s]) => summarize(metric, impl, unit, s));
}
