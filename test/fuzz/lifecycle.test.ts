// The lifecycle fuzz in the suite: random call sequences over Thread and Process, checked against the model in model.ts.
//
// Each run uses one seed: FUZZ_SEED when set, else a new one, printed as a diagnostic and, on a
// failure, by fast-check with the path and the shrunk sequence. To replay a failure:
//   npm run build && FUZZ_SEED=<seed> FUZZ_PATH=<path> node --import tsx --test test/fuzz/lifecycle.test.ts
// or, outside the test runner and with the command log of each try:
//   npm run fuzz -- --backend Thread --seed <seed> --path <path>
// (the timing is not replayed: a race may need a few tries or more runs to show again).
// `npm run fuzz` runs the same property 10 000 times.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Thread, type Outcome } from 'threadkit';
import { guardThreads } from '../support/guard.ts';
import { ProcessBackend, ThreadBackend, fuzzLifecycle, type Backend, type Subject } from './model.ts';
import { ProcessPoolBackend, ThreadPoolBackend, closePools } from './pools.ts';

guardThreads();

const SEED = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
const PATH = process.env.FUZZ_PATH;

// How many: a Thread sequence costs one worker start (~40 ms on this 2-core machine, ~80 ms under
// load) plus its pauses, a Process sequence a child's start (~100-250 ms): one Process sequence
// costs some three to four Thread sequences. 200 Thread and 40 Process sequences took 4.5 s and
// 2.2 s alone here, and 250 + 50 took 14 s + 5 s inside a full `npm test` on the loaded machine;
// 200 + 40 give each of the 6 target kinds ~33 Thread and ~7 Process sequences per run. The seed
// changes every run, so the suite covers more over time; `npm run fuzz` covers 10 000 at once.
const THREAD_RUNS = 200;
const PROCESS_RUNS = 40;
// The pools (test/fuzz/pools.ts) run every sequence on one warm worker: a ThreadPoolExecutor
// sequence costs no thread start (~25 ms alone, its pauses and the probe after it), a
// ProcessPoolExecutor one a child's start only when the sequence terminated its worker (~150 ms on
// average). 100 + 20 took 2.7-2.9 s + 2.9-3.7 s here with the machine loaded, the whole file
// 17.6-21.5 s; 15 ProcessPoolExecutor sequences keep the file near 20 s under load.
const THREAD_POOL_RUNS = 100;
const PROCESS_POOL_RUNS = 15;
/** A run (with the shrinking of a failure) that takes longer fails, reporting what it found so far. */
const TIME_LIMIT_MS = 100_000;

test(`Thread - ${THREAD_RUNS} random lifecycle sequences end as the model says (seed ${SEED})`, { timeout: 120_000 }, async (t) => {
  t.diagnostic(`seed ${SEED}`);
  await fuzzLifecycle({
    backend: ThreadBackend,
    numRuns: THREAD_RUNS,
    seed: SEED,
    timeLimitMs: TIME_LIMIT_MS,
    ...(PATH === undefined ? {} : { path: PATH }),
  });
});

test(`Process - ${PROCESS_RUNS} random lifecycle sequences end as the model says (seed ${SEED})`, { timeout: 120_000 }, async (t) => {
  t.diagnostic(`seed ${SEED}`);
  await fuzzLifecycle({
    backend: ProcessBackend,
    numRuns: PROCESS_RUNS,
    seed: SEED,
    timeLimitMs: TIME_LIMIT_MS,
    ...(PATH === undefined ? {} : { path: PATH }),
  });
});

after(closePools);

for (const [backend, runs] of [
  [ThreadPoolBackend, THREAD_POOL_RUNS],
  [ProcessPoolBackend, PROCESS_POOL_RUNS],
] as const) {
  test(
    `${backend.name} - ${runs} random lifecycle sequences of a Future on a warm worker end as the model says (seed ${SEED})`,
    { timeout: 120_000 },
    async (t) => {
      t.diagnostic(`seed ${SEED}`);
      await fuzzLifecycle({
        backend,
        numRuns: runs,
        seed: SEED,
        timeLimitMs: TIME_LIMIT_MS,
        ...(PATH === undefined ? {} : { path: PATH }),
      });
    },
  );
}

/**
 * A Thread behind an adapter (as a pool Future would be, see model.ts) whose terminate() lies:
 * it resolves with `completed` whatever happened. The fuzz must catch it.
 */
const LyingBackend: Backend = {
  ...ThreadBackend,
  name: 'LyingThread',
  listed: false, // enumerate() lists the Thread, not the adapter
  create(fn, args, { daemon }): Subject {
    const t = new Thread({ target: fn, args, daemon });
    const lie: Outcome = { status: 'completed', value: 0 };
    return {
      get name() {
        return t.name;
      },
      get state() {
        return t.state;
      },
      get outcome() {
        return t.outcome;
      },
      start: () => t.start(),
      isAlive: () => t.isAlive(),
      cancel: (reason) => t.cancel(reason),
      terminate: async () => {
        await t.terminate();
        return lie;
      },
      stop: (options) => t.stop(options),
      join: (timeoutMs) => t.join(timeoutMs),
      result: (timeoutMs) => t.result(timeoutMs),
    };
  },
};

test('fuzz - a backend whose terminate() lies about the outcome fails the property', { timeout: 120_000 }, async () => {
  await assert.rejects(
    fuzzLifecycle({ backend: LyingBackend, numRuns: 100, seed: SEED, endOnFailure: true }),
    /terminate\(\)[^\n]* resolved with \{"status":"completed","value":0\}/,
  );
});
