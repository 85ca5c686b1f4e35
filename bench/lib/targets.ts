// The performance targets set in the issues (4: stopping threads, 5: Process), checked against results.
import { compare, fmt, fmtRatio } from './compare.ts';
import type { Result } from './results.ts';

interface Target {
  metric: string;
  goal: string;
  /** The measured figure as text, and whether it meets the goal; undefined when not measured. */
  check(toRaw: number | undefined, threadkitMedian: number | undefined): [string, boolean] | undefined;
}

const withinRaw = (metric: string, factor: number): Target => ({
  metric,
  goal: `≤ ${factor}× raw`,
  check: (toRaw) => (toRaw === undefined ? undefined : [fmtRatio(toRaw), toRaw <= factor]),
});

const TARGETS: Target[] = [
  withinRaw('cancel-blocked-sleep', 1.5),
  withinRaw('cancel-check-cost', 1.2),
  withinRaw('terminate', 1.2),
  withinRaw('process-start', 1.5),
  {
    metric: 'process-cancel-blocked-sleep',
    goal: 'median < 1 ms',
    check: (_, median) => (median === undefined ? undefined : [`${fmt(median)} µs`, median < 1000]),
  },
];

/** A Markdown table of the targets: goal, measured, met. */
export function targetsTable(results: readonly Result[]): string {
  const byMetric = new Map(compare(results).map((c) => [c.metric, c] as const));
  const rows = TARGETS.map((t) => {
    const c = byMetric.get(t.metric);
    const checked = t.check(c?.toRaw, c?.byImpl.get('threadkit')?.median);
    return `| ${t.metric} | ${t.goal} | ${checked?.[0] ?? 'not measured'} | ${checked === undefined ? '–' : checked[1] ? 'yes' : '**no**'} |`;
  });
  return ['| metric | target (issues 4, 5) | threadkit | met |', '| --- | --- | ---: | --- |', ...rows].join('\n');
}
