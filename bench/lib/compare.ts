// Ratios between implementations: threadkit to raw, and threadkit to the best peer, for every metric.
import { PEERS, type Impl, type Peer, type Result } from './results.ts';

export type Better = 'lower' | 'higher';

/** Metrics where a higher figure is better: speedups and rates (per second). */
const HIGHER = /^(cpu-speedup|tiny-task-throughput|queue-throughput|lock-contended|observe-overhead|distributed-throughput)/;

/** Whether a lower or a higher figure is the better one. */
export const better = (metric: string): Better => (HIGHER.test(metric) ? 'higher' : 'lower');

/** One metric with each implementation's result and the ratios the report quotes. */
export interface Comparison {
  metric: string;
  unit: string;
  better: Better;
  byImpl: Map<Impl, Result>;
  /** threadkit median / raw median. */
  toRaw: number | undefined;
  /** The peer with the best median, and threadkit median / its median. */
  bestPeer: { peer: Peer; ratio: number | undefined } | undefined;
}

/** Groups result rows by metric, in the order the metrics first appear. */
export function compare(results: readonly Result[]): Comparison[] {
  const metrics = [...new Set(results.map((r) => r.metric))];
  return metrics.map((metric) => {
    const byImpl = new Map(results.filter((r) => r.metric === metric).map((r) => [r.impl, r] as const));
    const b = better(metric);
    const tk = byImpl.get('threadkit')?.median;
    const raw = byImpl.get('raw')?.median;
    const peers = PEERS.filter((p) => byImpl.has(p)).map((peer) => ({ peer, median: byImpl.get(peer)!.median }));
    peers.sort((x, y) => (b === 'lower' ? x.median - y.median : y.median - x.median));
    const best = peers[0];
    return {
      metric,
      unit: byImpl.values().next().value!.unit,
      better: b,
      byImpl,
      toRaw: tk !== undefined && raw !== undefined ? tk / raw : undefined,
      bestPeer: best && { peer: best.peer, ratio: tk !== undefined ? tk / best.median : undefined },
    };
  });
}

/**
 * How many times the cost of raw an implementation's median is: median/raw for "lower is better"
 * metrics, raw/median for speedups and rates, so that above 1 always means worse than raw.
 */
export function costVsRaw(c: Comparison, impl: Impl): number | undefined {
  const m = c.byImpl.get(impl)?.median;
  const raw = c.byImpl.get('raw')?.median;
  if (m === undefined || raw === undefined || m === 0 || raw === 0) return undefined;
  return c.better === 'lower' ? m / raw : raw / m;
}

/** A figure with about three significant digits: 0.0123, 1.23, 12.3, 1234. */
export function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** A ratio as "1.05×" (or "n/a"). */
export const fmtRatio = (ratio: number | undefined): string => (ratio === undefined ? 'n/a' : `${fmt(ratio)}×`);
