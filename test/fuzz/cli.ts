// `npm run fuzz`: the lifecycle fuzz of model.ts at length, outside the test runner, with its figures.
//
//   npm run fuzz                                   10 000 sequences: 90 % Thread, 10 % Process
//   npm run fuzz -- --runs 2000 --seed 42          another count, a fixed seed
//   npm run fuzz -- --backend Process --runs 300   one backend only
//   npm run fuzz -- --backend Thread --seed <seed> --path <path>   replay a reported failure
// The same settings as environment variables: FUZZ_RUNS, FUZZ_SEED, FUZZ_BACKEND, FUZZ_PATH,
// FUZZ_PROCESS_SHARE (the share of Process sequences, default 0.1: a Process sequence costs some
// four Thread sequences, its child's start). Exits 1 on a failure, after printing fast-check's
// report (seed, path, shrunk sequence) and the failing sequence's log. 10 000 sequences took
// 5.3 min on this 2-core machine at a load average of 6-7 (9.2 min at 9-13).

import { parseArgs } from 'node:util';
import { ProcessBackend, ThreadBackend, fuzzLifecycle, stats, type Backend } from './model.ts';
import { ProcessPoolBackend, ThreadPoolBackend, closePools } from './pools.ts';

const BACKENDS: Record<string, Backend> = {
  Thread: ThreadBackend,
  Process: ProcessBackend,
  ThreadPoolExecutor: ThreadPoolBackend,
  ProcessPoolExecutor: ProcessPoolBackend,
};

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.FUZZ_RUNS ?? '10000' },
    seed: { type: 'string', default: process.env.FUZZ_SEED },
    backend: { type: 'string', default: process.env.FUZZ_BACKEND },
    path: { type: 'string', default: process.env.FUZZ_PATH },
    'process-share': { type: 'string', default: process.env.FUZZ_PROCESS_SHARE ?? '0.1' },
  },
});

const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const share = Number(values['process-share']);
if (!Number.isSafeInteger(runs) || runs < 1) throw new RangeError(`Expected \`--runs\` to be an integer >= 1, got \`${values.runs}\``);
if (!Number.isSafeInteger(seed)) throw new RangeError(`Expected \`--seed\` to be an integer, got \`${values.seed}\``);
if (!(share >= 0 && share <= 1))
  throw new RangeError(`Expected \`--process-share\` to be a number from 0 to 1, got \`${values['process-share']}\``);
if (values.backend !== undefined && !(values.backend in BACKENDS)) {
  throw new RangeError(`Expected \`--backend\` to be one of ${Object.keys(BACKENDS).join(', ')}, got \`${values.backend}\``);
}

const plan: Array<[Backend, number]> =
  values.backend !== undefined
    ? [[BACKENDS[values.backend]!, runs]]
    : [
        [ThreadBackend, runs - Math.round(runs * share)],
        [ProcessBackend, Math.round(runs * share)],
      ];

// Anything the library leaves unhandled after a sequence's own watch ended fails the run too.
const stray: unknown[] = [];
process.on('unhandledRejection', (reason) => stray.push(reason));

console.log(`lifecycle fuzz: seed ${seed}, ${plan.map(([b, n]) => `${n} ${b.name}`).join(' + ')} sequences`);
const began = performance.now();
stats.onSequence = (n) => {
  if (n % 1000 === 0) console.log(`  ${String(n).padStart(6)} sequences, ${((performance.now() - began) / 1000).toFixed(0)} s`);
};
let failed = false;
for (const [backend, numRuns] of plan) {
  if (numRuns === 0) continue;
  const t0 = performance.now();
  const before = stats.sequences;
  try {
    await fuzzLifecycle({ backend, numRuns, seed, ...(values.path === undefined ? {} : { path: values.path }) });
  } catch (error) {
    failed = true;
    console.error(error instanceof Error ? error.message : error);
    console.error(`\nReplay: npm run fuzz -- --backend ${backend.name} --seed ${seed} --path <path above>`);
  }
  await closePools();
  const s = (performance.now() - t0) / 1000;
  const n = stats.sequences - before;
  console.log(`${backend.name}: ${n} sequences in ${s.toFixed(1)} s (${(n / s).toFixed(1)}/s, ${((s * 1000) / n).toFixed(0)} ms each)`);
}
const total = (performance.now() - began) / 1000;
console.log(`total: ${stats.sequences} sequences, ${stats.commands} commands in ${total.toFixed(1)} s`);
console.log('endings (backend, target, outcome or final state):');
for (const [key, count] of [...stats.endings].sort()) console.log(`  ${key.padEnd(30)} ${count}`);
console.log('calls by the state they met:');
for (const [key, count] of [...stats.calls].sort()) console.log(`  ${key.padEnd(30)} ${count}`);
if (stray.length > 0) {
  failed = true;
  console.error(`unhandled rejections outside a sequence: ${stray.map(String).join(', ')}`);
}
process.exitCode = failed ? 1 : 0;
