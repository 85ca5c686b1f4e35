// The performance targets set in the issues (4: stopping threads, 5: Process, 9: executors, 10: shared
// objects), checked against results.
import { compare, fmt, fmtRatio, type Comparison } from './compare.ts';
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
  withinRaw('pool-task-start', 1.5),
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
  withinRaw('event-wake', 1.5),
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
];

/** A Markdown table of the targets: goal, measured, met. `cpus` is the machine's (for cpu-speedup). */
export function targetsTable(results: readonly Result[], cpus?: number): string {
  const byMetric = new Map(compare(results).map((c) => [c.metric, c] as const));
  const rows = TARGETS.map((t) => {
    const checked = t.check({ c: byMetric.get(t.metric), byMetric, cpus });
    return `| ${t.metric} | ${t.goal} | ${checked?.[0] ?? 'not measured'} | ${checked === undefined ? '–' : checked[1] ? 'yes' : '**no**'} |`;
  });
  return ['| metric | target (issues 4, 5, 9, 10) | threadkit | met |', '| --- | --- | ---: | --- |', ...rows].join('\n');
}
