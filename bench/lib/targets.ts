// The performance targets set in the issues (4: stopping threads, 5: Process, 9: executors, 10: shared
// objects, 16: distributed executor), checked against results.
import { compare, fmt, fmtRatio, type Comparison } from './compare.ts';
import { CHECK_INTERVAL_MS, GRACE_MS, HOST_TIMEOUT_MS } from './distributed.ts';
import type { Result } from './results.ts';

/** What a target sees: its metric's comparison, every metric's, and the machine's CPU count. */
interface Seen {
  c: Comparison | undefined;
  byMetric: ReadonlyMap<string, Comparison>;
  cpus: number | undefined;
}

interface Target {
  metric: string;
  goal: string;
  /** The measured figure as text, and whether it meets the goal; undefined when not measured. */
  check(seen: Seen): [string, boolean] | undefined;
}

const tkMedian = (c: Comparison | undefined): number | undefined => c?.byImpl.get('threadkit')?.median;

const withinRaw = (metric: string, factor: number): Target => ({
  metric,
  goal: `≤ ${factor}× raw`,
  check: ({ c }) => (c?.toRaw === undefined ? undefined : [fmtRatio(c.toRaw), c.toRaw <= factor]),
});

/** threadkit's p95 of `metric` at most `bound` ms (a bound on every run, not only the typical one). */
const p95Within = (metric: string, bound: number, how: string): Target => ({
  metric,
  goal: `p95 ≤ ${bound} ms (${how})`,
  check: ({ c }) => {
    const r = c?.byImpl.get('threadkit');
    return r === undefined ? undefined : [`${fmt(r.p95)} ms (median ${fmt(r.median)})`, r.p95 <= bound];
  },
});

/** threadkit at most `factor` × the best peer (lower is better). */
const withinBestPeer = (metric: string, factor: number): Target => ({
  metric,
  goal: `≤ ${factor}× the best peer`,
  check: ({ c }) => {
    const r = c?.bestPeer?.ratio;
    return r === undefined ? undefined : [`${fmtRatio(r)} ${c!.bestPeer!.peer}`, r <= factor];
  },
});

/** threadkit's median of `metric` against its median of `base` (both threadkit rows): at most `factor` ×. */
const withinOwn = (metric: string, base: string, factor: number, unit: string): Target => ({
  metric,
  goal: `≤ ${factor}× ${base}`,
  check: ({ c, byMetric }) => {
    const a = tkMedian(c);
    const b = tkMedian(byMetric.get(base));
    if (a === undefined || b === undefined) return undefined;
    return [`${fmtRatio(a / b)} (${fmt(a)} / ${fmt(b)} ${unit})`, a / b <= factor];
  },
});

/** threadkit's own median of `metric` against a bound: `atLeast` (higher is better) or at most. */
const ownMedian = (metric: string, bound: number, atLeast: boolean, unit: string): Target => ({
  metric,
  goal: `${atLeast ? '≥' : '≤'} ${bound}${unit}`,
  check: ({ c }) => {
    const m = tkMedian(c);
    return m === undefined ? undefined : [`${fmt(m)}${unit}`, atLeast ? m >= bound : m <= bound];
  },
});

const TARGETS: Target[] = [
  withinRaw('cancel-blocked-sleep', 1.5),
  withinRaw('cancel-check-cost', 1.2),
  withinRaw('terminate', 1.2),
  withinRaw('process-start', 1.5),
  {
    metric: 'process-cancel-blocked-sleep',
    goal: 'median < 1 ms',
    check: ({ c }) => {
      const median = tkMedian(c);
      return median === undefined ? undefined : [`${fmt(median)} µs`, median < 1000];
    },
  },
  withinRaw('thread-start', 1.1),
  withinRaw('pool-task-start', 1.5),
  withinBestPeer('pool-task-start', 1.0),
  withinBestPeer('pool-round-trip', 1.0),
  withinBestPeer('process-pool-round-trip', 1.0),
  withinRaw('cancel-running-task-next', 1.5),
  withinRaw('cancel-async-sleep', 1.5),
  withinRaw('process-cancel-blocked-sleep', 1.5),
  {
    metric: 'tiny-task-throughput',
    goal: '≥ 2× the best peer',
    check: ({ c }) => {
      const r = c?.bestPeer?.ratio;
      return r === undefined ? undefined : [`${fmtRatio(r)} ${c!.bestPeer!.peer}`, r >= 2];
    },
  },
  {
    metric: 'cancel-running-task-next',
    goal: '< 1/20 of the best peer',
    check: ({ c }) => {
      const r = c?.bestPeer?.ratio;
      return r === undefined ? undefined : [`${fmtRatio(r)} ${c!.bestPeer!.peer} (1/${fmt(1 / r)})`, r < 1 / 20];
    },
  },
  {
    metric: 'cpu-speedup',
    goal: '≥ the best peer and ≥ 0.95 × cores',
    check: ({ c, cpus }) => {
      const median = tkMedian(c);
      const r = c?.bestPeer?.ratio;
      if (median === undefined || r === undefined || cpus === undefined) return undefined;
      return [
        `${fmt(median)}× (${fmtRatio(r)} ${c!.bestPeer!.peer}; ${fmt(median / cpus)} × ${cpus} cores)`,
        r >= 1 && median >= 0.95 * cpus,
      ];
    },
  },
  withinRaw('event-wake', 1.3),
  withinRaw('lock-uncontended', 1.2),
  {
    metric: 'lock-contended',
    goal: '≥ 0.8× raw',
    check: ({ c }) => (c?.toRaw === undefined ? undefined : [fmtRatio(c.toRaw), c.toRaw >= 0.8]),
  },
  {
    metric: 'queue-throughput',
    goal: '≥ raw',
    check: ({ c }) => (c?.toRaw === undefined ? undefined : [fmtRatio(c.toRaw), c.toRaw >= 1]),
  },
  {
    metric: 'cancel-blocked-get',
    goal: '≤ 1.5× cancel-blocked-sleep',
    check: ({ c, byMetric }) => {
      const get = tkMedian(c);
      const sleep = tkMedian(byMetric.get('cancel-blocked-sleep'));
      if (get === undefined || sleep === undefined) return undefined;
      return [`${fmtRatio(get / sleep)} (${fmt(get)} / ${fmt(sleep)} µs)`, get / sleep <= 1.5];
    },
  },
  withinRaw('cancel-blocked-get', 1.5),
  withinOwn('scope-cancel-fanout-8-threads', 'scope-cancel-single', 2, 'µs'),
  withinOwn('scope-overhead', 'scope-overhead-plain', 1.2, 'µs'),
  ownMedian('observe-overhead: no subscriber', 0.97, true, '× bypass'),
  ownMedian('observe-overhead: timeline', 0.8, true, '× bypass'),
  ownMedian('metrics-cost', 500, false, ' ns/task'),
  withinRaw('distributed-round-trip', 1.3),
  {
    metric: 'distributed-throughput',
    goal: '≥ 0.8× raw BullMQ',
    check: ({ c }) => (c?.toRaw === undefined ? undefined : [fmtRatio(c.toRaw), c.toRaw >= 0.8]),
  },
  {
    metric: 'distributed-cancel-wake',
    goal: 'median ≤ 10 ms',
    check: ({ c }) => {
      const median = tkMedian(c);
      return median === undefined ? undefined : [`${fmt(median)} ms`, median <= 10];
    },
  },
  p95Within('distributed-deadline-next', GRACE_MS + 50, `graceMs ${GRACE_MS} + 50`),
  p95Within(
    'distributed-host-kill',
    HOST_TIMEOUT_MS + CHECK_INTERVAL_MS + 100,
    `hostTimeoutMs ${HOST_TIMEOUT_MS} + checkIntervalMs ${CHECK_INTERVAL_MS} + 100`,
  ),
];

/** A Markdown table of the targets: goal, measured, met. `cpus` is the machine's (for cpu-speedup). */
export function targetsTable(results: readonly Result[], cpus?: number): string {
  const byMetric = new Map(compare(results).map((c) => [c.metric, c] as const));
  const rows = TARGETS.map((t) => {
    const checked = t.check({ c: byMetric.get(t.metric), byMetric, cpus });
    return `| ${t.metric} | ${t.goal} | ${checked?.[0] ?? 'not measured'} | ${checked === undefined ? '–' : checked[1] ? 'yes' : '**no**'} |`;
  });
  return ['| metric | target (issues 4, 5, 9, 10, 15, 16, 17, 18) | threadkit | met |', '| --- | --- | ---: | --- |', ...rows].join('\n');
}
