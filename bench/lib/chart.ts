// bench/chart.svg, generated from the results: per metric, each implementation's cost relative to raw
// (log scale; 1 = as fast as the bare Node primitive, above = slower, below = faster).
import { compare, costVsRaw, fmt, type Comparison } from './compare.ts';
import type { Impl, ResultsFile } from './results.ts';

const BARS: readonly { impl: Impl; color: string }[] = [
  { impl: 'threadkit', color: '#2563eb' },
  { impl: 'piscina', color: '#f59e0b' },
  { impl: 'tinypool', color: '#10b981' },
  { impl: 'workerpool', color: '#a855f7' },
  { impl: 'poolifier', color: '#ef4444' },
  { impl: 'multithreading', color: '#64748b' },
];
const BAR = 13;
const GROUP = BARS.length * BAR + 18;
const [TOP, BOTTOM, LEFT, RIGHT] = [64, 150, 64, 24];
const PLOT_HEIGHT = 300;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The chart as an SVG document. Scaling metrics (cpu-speedup@k) are left out; cpu-speedup stays. */
export function chartSvg(file: ResultsFile): string {
  const groups = compare(file.results).filter((c) => !c.metric.includes('@') && c.byImpl.has('raw'));
  const ratios = groups.flatMap((c) => BARS.map((b) => costVsRaw(c, b.impl))).filter((r): r is number => r !== undefined);
  const lo = Math.floor(Math.log10(Math.min(1, ...ratios)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(1, ...ratios))));
  const y = (ratio: number) => TOP + PLOT_HEIGHT * (1 - (Math.log10(ratio) - lo) / (hi - lo));
  const width = LEFT + groups.length * GROUP + RIGHT;
  const height = TOP + PLOT_HEIGHT + BOTTOM;
  const out: string[] = [];

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="600">Cost relative to raw Node (log scale; 1× = the bare primitive, lower is better)</text>`,
    `<text x="${LEFT}" y="38" fill="#555">Median of each metric ÷ raw median (speedups and rates: raw ÷ median). Node ${esc(file.node)}, ${file.cpus} CPUs${file.quick ? ', --quick run' : ''}.</text>`,
  );
  BARS.forEach((b, i) => {
    const x = LEFT + i * 110;
    out.push(`<rect x="${x}" y="46" width="11" height="11" fill="${b.color}"/><text x="${x + 16}" y="56">${b.impl}</text>`);
  });
  for (let e = lo; e <= hi; e++) {
    const gy = y(10 ** e);
    const stroke = e === 0 ? '#111' : '#ddd';
    out.push(
      `<line x1="${LEFT}" x2="${width - RIGHT}" y1="${gy}" y2="${gy}" stroke="${stroke}"/>`,
      `<text x="${LEFT - 6}" y="${gy + 4}" text-anchor="end" fill="#555">${e === 0 ? 'raw 1×' : `${e < 0 ? (10 ** e).toFixed(-e) : 10 ** e}×`}</text>`,
    );
  }
  groups.forEach((c: Comparison, g) => {
    const x0 = LEFT + g * GROUP + 9;
    BARS.forEach((b, i) => {
      const ratio = costVsRaw(c, b.impl);
      if (ratio === undefined) return;
      const [top, bottom] = [Math.min(y(ratio), y(1)), Math.max(y(ratio), y(1))];
      const label = `${b.impl} ${c.metric}: ${fmt(c.byImpl.get(b.impl)!.median)} ${c.unit} (raw ${fmt(c.byImpl.get('raw')!.median)}), ${fmt(ratio)}× raw`;
      out.push(
        `<rect x="${x0 + i * BAR}" y="${top}" width="${BAR - 2}" height="${Math.max(1, bottom - top)}" fill="${b.color}"><title>${esc(label)}</title></rect>`,
      );
    });
    const lx = x0 + (BARS.length * BAR) / 2;
    const ly = TOP + PLOT_HEIGHT + 12;
    out.push(`<text transform="translate(${lx},${ly}) rotate(-40)" text-anchor="end">${esc(c.metric)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
