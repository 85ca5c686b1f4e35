// Entry of `npm run bench` (full run, ten minutes or more on 2 cores) and `npm run bench -- --quick`
// (about two minutes): measures threadkit, raw Node and the peer pools, writes bench/results.json and
// bench/chart.svg, and prints the table. `--only=<group>[,<group>]` runs some groups (lifecycle,
// cancel-wake, check-cost, cancel-running, cpu, memory, process, pool, process-pool, shared, scopes,
// observe); with --only, the other groups' rows of results.json are kept. BENCHMARKS.md is refreshed
// from results.json by bench/report.ts.
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
};

export const RESULTS = new URL('./results.json', import.meta.url);
export const CHART = new URL('./chart.svg', import.meta.url);

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

const started = Date.now();
const results: Result[] = [];
for (const [name, group] of Object.entries(GROUPS)) {
  if (only && !only.includes(name)) continue;
  const t0 = Date.now();
  process.stdout.write(`${name} ... `);
  results.push(...(await group(ctx)));
  console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// With --only, the other groups' rows of the previous results.json are kept (a metric measured now replaces its rows).
const measured = new Set(results.map((r) => r.metric));
const kept: Result[] =
  only && existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as ResultsFile).results.filter((r) => !measured.has(r.metric))
    : [];
const file: ResultsFile = { node: process.version, cpus: availableParallelism(), quick, results: [...kept, ...results] };
const tmp = new URL('./results.json.tmp', import.meta.url);
writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n');
renameSync(tmp, RESULTS);
writeFileSync(CHART, chartSvg(file));

console.log(
  `\nNode ${file.node}, ${file.cpus} CPUs, ${quick ? 'quick' : 'full'} run, ${((Date.now() - started) / 1000).toFixed(0)} s. Medians (p95):\n`,
);
console.log(textTable(results));
if (kept.length > 0) console.log(`\n(kept ${kept.length} rows of other groups from the previous results.json)`);
console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}\n\nWrote bench/results.json and bench/chart.svg.`);
