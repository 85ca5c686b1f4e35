// A small SVG Gantt chart of a recorded trace: one row per worker, one bar per run, a mark per cancel and terminate.

import type { Trace, TraceEvent } from './recorder.js';

/** Options of timelineSvg(). */
export interface TimelineSvgOptions {
  /** Width of the chart in px, labels included. Default 900. */
  width?: number;
  /** A title above the chart. */
  title?: string;
}

const COLORS: Record<string, string> = {
  completed: '#4c9a6a',
  failed: '#c0504d',
  cancelled: '#d9a441',
  terminated: '#8064a2',
  running: '#7f9fbf',
};

const ROW = 26;
const LABEL = 190;
const HEAD = 46;

/** A trace value as text (the recorder writes strings and numbers there). */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? '');
}

/** Escapes text for XML content and attributes. */
function esc(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders `trace` (startTimeline()'s) as an SVG document: one row per thread or process that ran
 * a run, one bar per run (coloured by its status, its name and duration in a tooltip), a red mark
 * per cancel and a black one per terminate, and a time axis in ms from the first bar.
 */
export function timelineSvg(trace: Trace, options: TimelineSvgOptions = {}): string {
  const width = options.width ?? 900;
  const names = new Map<string, string>();
  for (const e of trace.traceEvents)
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, String((e.args as { name: string }).name));
  const bars = trace.traceEvents.filter((e) => e.ph === 'X' && e.args?.phase !== 'submit');
  const marks = trace.traceEvents.filter((e) => e.ph === 'i');
  const rows: string[] = [];
  const rowOf = (e: TraceEvent): number => {
    const key = `${e.pid}:${e.tid}`;
    let i = rows.indexOf(key);
    if (i < 0) i = rows.push(key) - 1;
    return i;
  };
  for (const bar of bars) rowOf(bar);
  for (const mark of marks) rowOf(mark);
  const times = [...bars.flatMap((b) => [b.ts!, b.ts! + b.dur!]), ...marks.map((m) => m.ts!)];
  const t0 = times.length > 0 ? Math.min(...times) : 0;
  const t1 = times.length > 0 ? Math.max(...times) : 1;
  const span = Math.max(t1 - t0, 1);
  const chart = width - LABEL - 20;
  const x = (ts: number) => LABEL + ((ts - t0) / span) * chart;
  const height = HEAD + rows.length * ROW + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(options.title ?? 'threadkit timeline')}</text>`,
  ];
  // Axis: five ticks, in ms from the first bar.
  for (let i = 0; i <= 4; i += 1) {
    const at = LABEL + (chart * i) / 4;
    out.push(`<line x1="${at.toFixed(1)}" y1="${HEAD - 8}" x2="${at.toFixed(1)}" y2="${HEAD + rows.length * ROW}" stroke="#dddddd"/>`);
    out.push(
      `<text x="${at.toFixed(1)}" y="${HEAD - 12}" text-anchor="middle" fill="#555555">${((span * i) / 4 / 1000).toFixed(1)} ms</text>`,
    );
  }
  rows.forEach((key, i) => {
    const y = HEAD + i * ROW;
    out.push(`<text x="10" y="${y + 17}" class="row">${esc(names.get(key) ?? key)}</text>`);
  });
  for (const bar of bars) {
    const y = HEAD + rowOf(bar) * ROW + 4;
    const status = text(bar.args?.status ?? 'completed');
    const w = Math.max(1, x(bar.ts! + bar.dur!) - x(bar.ts!));
    const label = `${bar.name} (${status}, ${(bar.dur! / 1000).toFixed(3)} ms)`;
    out.push(
      `<rect class="bar" x="${x(bar.ts!).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" rx="2" fill="${COLORS[status] ?? '#999999'}"><title>${esc(label)}</title></rect>`,
    );
    // The run's name on its bar, where it fits (about 7 px a character).
    if (w >= 7 * bar.name.length + 8)
      out.push(`<text x="${(x(bar.ts!) + 4).toFixed(1)}" y="${y + 13}" fill="#ffffff">${esc(bar.name)}</text>`);
  }
  for (const mark of marks) {
    const y = HEAD + rowOf(mark) * ROW;
    const at = x(mark.ts!).toFixed(1);
    const color = mark.name === 'cancel' ? '#e00000' : '#000000';
    const reason = mark.args?.reason === undefined ? '' : `: ${text(mark.args.reason)}`;
    out.push(
      `<path class="${mark.name}" d="M ${at} ${y + 2} l -5 -6 h 10 z M ${at} ${y + 2} V ${y + ROW - 2}" stroke="${color}" fill="${color}"><title>${esc(`${mark.name} ${text(mark.args?.task)}${reason}`)}</title></path>`,
    );
  }
  const legendY = HEAD + rows.length * ROW + 20;
  let lx = LABEL;
  for (const [status, color] of Object.entries(COLORS)) {
    out.push(
      `<rect x="${lx}" y="${legendY - 10}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${legendY}">${status}</text>`,
    );
    lx += 95;
  }
  out.push(`<path d="M ${lx + 5} ${legendY - 8} l -5 -6 h 10 z" fill="#e00000"/><text x="${lx + 14}" y="${legendY}">cancel</text>`);
  out.push('</svg>');
  return out.join('\n');
}
