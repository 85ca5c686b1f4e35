// Entry of `npm run bench` (full run, ten minutes or more on 2 cores) and `npm run bench -- --quick`
// (about two minutes): measures threadkit, raw Node and the peer pools, writes bench/results.json and
// bench/chart.svg, and prints the table. `--only=<group>[,<group>]` runs some groups (lifecycle,
// cancel-wake, check-cost, cancel-running, cpu, memory, process, pool, process-pool, shared, scopes,
// observe, distributed) and merges them into results.json, keeping the other groups' rows (see
// destination()). BENCHMARKS.md is refreshed from results.json by bench/report.ts.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { chartSvg } from './lib/chart.ts';
import { type Context, type Group, loadThreadkit } from './lib/context.ts';
import type { Result, ResultsFile } from './lib/results.ts';
import { textTable } from './lib/table.ts';
import { cancelRunning } from './metrics/cancel-running.ts';
import { cancelWake } from './metrics/cancel-wake.ts';
import { checkCost } from './metrics/check-cost.ts';
import { cpu } from './metrics/cpu.ts';
import { distributed } from './metrics/distributed.ts';
import { lifecycle } from './metrics/lifecycle.ts';
import { memory } from './metrics/memory.ts';
import { observe } from './metrics/observe.ts';
import { pool } from './metrics/pool.ts';
import { processPool } from './metrics/process-pool.ts';
import { processes } from './metrics/process.ts';
import { scopes } from './metrics/scopes.ts';
import { shared } from './metrics/shared.ts';

const GROUPS: Record<string, Group> = {
  lifecycle,
  'cancel-wake': cancelWake,
  'check-cost': checkCost,
  'cancel-running': cancelRunning,
  cpu,
  memory,
  process: processes,
  pool,
  'process-pool': processPool,
  shared,
  scopes,
  observe,
  distributed,
};

export const RESULTS = new URL('./results.json', import.meta.url);
export const CHART = new URL('./chart.svg', import.meta.url);
const ONLY_RESULTS = new URL('./results-only.json', import.meta.url);

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
for (const name of only ?? [])
  if (!(name in GROUPS)) throw new Error(`Unknown group \`${name}\`; expected one of ${Object.keys(GROUPS).join(', ')}`);

const notes: string[] = [];
const ctx: Context = { quick, tk: await loadThreadkit(), note: (m) => notes.push(m) };
if (!ctx.tk) notes.push('threadkit is not built: only raw and the peers were measured.');

/**
 * Where this run's rows go. A full run writes bench/results.json. With --only, the file's other groups
 * are kept (this run's metrics replace theirs in place, new ones are appended) when the file is from the
 * same Node and mode; otherwise results.json is left alone and the rows go to bench/results-only.json.
 */
function destination(): { url: URL; rows: Result[] } {
  if (!only || !existsSync(RESULTS)) return { url: RESULTS, rows: results };
  const before = JSON.parse(readFileSync(RESULTS, 'utf8')) as ResultsFile;
  if (before.node !== process.version || before.quick !== quick || before.cpus !== availableParallelism()) {
    notes.push(
      `--only: bench/results.json is from Node ${before.node}${before.quick ? ' (quick)' : ''} on ${before.cpus} CPUs, this run is ${process.version}${quick ? ' (quick)' : ''} on ${availableParallelism()}: left it alone, wrote bench/results-only.json.`,
    );
    return { url: ONLY_RESULTS, rows: results };
  }
  const fresh = new Set(results.map((r) => r.metric));
  const kept: Result[] = [];
  for (const r of before.results) {
    if (!fresh.has(r.metric)) kept.push(r);
    else if (!kept.some((k) => k.metric === r.metric)) kept.push(...results.filter((n) => n.metric === r.metric));
  }
  const placed = new Set(kept.map((r) => r.metric));
  return { url: RESULTS, rows: [...kept, ...results.filter((r) => !placed.has(r.metric))] };
}

const started = Date.now();
const results: Result[] = [];
for (const [name, group] of Object.entries(GROUPS)) {
  if (only && !only.includes(name)) continue;
  const t0 = Date.now();
  process.stdout.write(`${name} ... `);
  results.push(...(await group(ctx)));
  console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const { url: out, rows } = destination();
const file: ResultsFile = { node: process.version, cpus: availableParallelism(), quick, results: rows };
const tmp = new URL('./results.json.tmp', import.meta.url);
writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n');
renameSync(tmp, out);
if (out === RESULTS) writeFileSync(CHART, chartSvg(file));

console.log(
  `\nNode ${file.node}, ${file.cpus} CPUs, ${quick ? 'quick' : 'full'} run, ${((Date.now() - started) / 1000).toFixed(0)} s. Medians (p95):\n`,
);
console.log(textTable(results));
console.log(
  `\n${notes.map((n) => `- ${n}`).join('\n')}\n\nWrote ${out === RESULTS ? 'bench/results.json and bench/chart.svg' : 'bench/results-only.json'}.`,
);
