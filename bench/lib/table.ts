// The results table, as aligned text for the terminal and as Markdown for BENCHMARKS.md.
import { compare, fmt, fmtRatio, type Comparison } from './compare.ts';
import { PEERS, type Impl, type Result } from './results.ts';

const IMPLS: readonly Impl[] = ['threadkit', 'raw', ...PEERS];

function cells(c: Comparison, withP95: boolean): string[] {
  const figures = IMPLS.map((impl) => {
    const r = c.byImpl.get(impl);
    if (!r) return '–';
    return withP95 ? `${fmt(r.median)} (${fmt(r.p95)})` : fmt(r.median);
  });
  const best = c.bestPeer ? `${fmtRatio(c.bestPeer.ratio)} (${c.bestPeer.peer})` : '–';
  return [c.metric, c.unit, c.better, ...figures, fmtRatio(c.toRaw), best];
}

const HEADER = ['metric', 'unit', 'better', ...IMPLS, 'threadkit/raw', 'threadkit/best peer'];

/** Aligned text: medians with p95 in parentheses. */
export function textTable(results: readonly Result[]): string {
  const rows = [HEADER, ...compare(results).map((c) => cells(c, true))];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Markdown: medians only (p95 is in results.json). */
export function markdownTable(results: readonly Result[]): string {
  const rows = compare(results).map((c) => cells(c, false));
  const line = (r: readonly string[]) => `| ${r.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map((_, i) => (i < 3 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
