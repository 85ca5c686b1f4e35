// `npm run soak`: 10 000 create → run → stop cycles; active handles back to baseline and RSS flat after warm-up, or exit 1.
//
//   npm run soak                                  10 000 cycles, 2 at a time, 5 % of them Processes
//   npm run soak -- --cycles 2000 --concurrency 4 --process-share 0.1
// (or SOAK_CYCLES, SOAK_CONCURRENCY, SOAK_PROCESS_SHARE). The cycles, in a fixed rotation:
//   thread-result   Thread start() + result() of a target that returns at once
//   thread-cancel   Thread start(), wait until its target sleeps in sleepSync(), cancel(), join()
//   thread-stop     Thread start(), wait until its target spins (ignoring cancel), stop({ graceMs: 5 })
//   process-*       the same three on a Process (a child process: ~100 ms each, hence the small share)
// Figures printed: cycles/s (overall and per kind), active handles by type at the start and the
// end, RSS and heap used (after a GC) at the start, after the warm-up and at the end. Goals: every
// cycle ends as it should, handles back to the start's, nothing in enumerate(), no unhandled
// rejection, RSS growth after the warm-up < 10 MB. On this 2-core machine, shared and loaded
// (load average 10-16), the 10 000 cycles took 15 min (10.9 cycles/s; a Thread cycle ~165 ms, a
// Process cycle ~475 ms there, ~40 ms and ~110 ms on an idle machine).

import { setImmediate as nextTurn, setTimeout as sleepMs } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Process, Thread, enumerate, sleepSync, type Outcome } from 'threadkit';

// Plain-function targets travel as source text: only their arguments and threadkit's in-thread
// functions by name.

/** Returns n + 1 at once. */
function addOne(n: number): number {
  return n + 1;
}

/** Sets `f[0]`, then sleeps until cancelled; sleepSync returns false on cancel, so the target completes. */
function signalThenSleep(f: Int32Array): boolean {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  return sleepSync(Infinity);
}

/** Sets `f[0]`, then spins without looking at cancel: stop() ends it after its grace, terminated. */
function signalThenSpin(f: Int32Array): never {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
  for (;;);
}

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: process.env.SOAK_CYCLES ?? '10000' },
    concurrency: { type: 'string', default: process.env.SOAK_CONCURRENCY ?? '2' },
    'process-share': { type: 'string', default: process.env.SOAK_PROCESS_SHARE ?? '0.05' },
  },
});
const CYCLES = Number(values.cycles);
const CONCURRENCY = Number(values.concurrency);
const PROCESS_SHARE = Number(values['process-share']);
if (!Number.isSafeInteger(CYCLES) || CYCLES < 10)
  throw new RangeError(`Expected \`--cycles\` to be an integer >= 10, got \`${values.cycles}\``);
if (!Number.isSafeInteger(CONCURRENCY) || CONCURRENCY < 1) {
  throw new RangeError(`Expected \`--concurrency\` to be an integer >= 1, got \`${values.concurrency}\``);
}
if (!(PROCESS_SHARE >= 0 && PROCESS_SHARE <= 1)) {
  throw new RangeError(`Expected \`--process-share\` to be a number from 0 to 1, got \`${values['process-share']}\``);
}
/** The first tenth of the cycles (at most 1000) warms up: lazy handles, JIT, allocator pools. */
const WARMUP = Math.min(1000, Math.floor(CYCLES / 10));
const RSS_GROWTH_GOAL_MB = 10;
const MB = 2 ** 20;

type Ctor = typeof Thread | typeof Process;
type Lifecycle = Thread | Process;

/** Resolves once `t`'s target has begun: at its flag (a Thread shares memory), or when its state says so (a Process's flag is a copy). */
async function begun(t: Lifecycle, flag: Int32Array, shared: boolean): Promise<void> {
  if (shared) {
    const waited = Atomics.waitAsync(flag, 0, 0, 10_000);
    if (waited.async) await waited.value;
    if (Atomics.load(flag, 0) === 0) throw new Error(`${t.name}'s target did not begin within 10 s (${t.state})`);
    return;
  }
  const deadline = performance.now() + 10_000;
  while (t.state === 'starting') {
    if (performance.now() > deadline) throw new Error(`${t.name} still starting after 10 s`);
    await sleepMs(1);
  }
}

function expect(t: Lifecycle, outcome: Outcome | undefined, status: Outcome['status'], check: (o: Outcome) => boolean = () => true): void {
  if (outcome?.status !== status || !check(outcome)) throw new Error(`${t.name} ended ${JSON.stringify(outcome)}, expected ${status}`);
}

/** One create → run → stop cycle of each kind; throws when it did not end as it should. */
const cycle = {
  result: async (Ctor: Ctor, i: number) => {
    const t = new Ctor({ target: addOne, args: [i] }).start();
    const value = await t.result();
    if (value !== i + 1) throw new Error(`${t.name} returned ${String(value)}, expected ${i + 1}`);
  },
  cancel: async (Ctor: Ctor) => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const t = new Ctor({ target: signalThenSleep, args: [flag] }).start();
    await begun(t, flag, Ctor === Thread);
    t.cancel('soak');
    await t.join();
    expect(t, t.outcome, 'completed', (o) => o.status === 'completed' && o.value === false);
  },
  stop: async (Ctor: Ctor) => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const t = new Ctor({ target: signalThenSpin, args: [flag] }).start();
    await begun(t, flag, Ctor === Thread);
    expect(t, await t.stop({ graceMs: 5 }), 'terminated');
  },
} as const;

type Kind = `${'thread' | 'process'}-${keyof typeof cycle}`;

/** The rotation: of every 60 cycles, round(60 × share) on a Process, the rest on a Thread; the three kinds in turn. */
function kindOf(i: number): Kind {
  const backend = i % 60 < Math.round(60 * PROCESS_SHARE) ? 'process' : 'thread';
  return `${backend}-${(['result', 'cancel', 'stop'] as const)[i % 3]!}`;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
const sameCounts = (a: Record<string, number>, b: Record<string, number>): boolean =>
  Object.keys({ ...a, ...b }).every((key) => (a[key] ?? 0) === (b[key] ?? 0));
const showCounts = (c: Record<string, number>): string =>
  Object.entries(c)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/** Memory after a full GC, in MB. */
async function memory(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 3; i += 1) await nextTurn();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: rss / MB, heap: heapUsed / MB };
}

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
// A failed cycle's thread would print through the default excepthook; count it instead.
const failures: string[] = [];
Thread.excepthook = ({ thread, error }) => {
  failures.push(`${thread.name} failed: ${String(error)}`);
};

for (let i = 0; i < 3; i += 1) await nextTurn();
const baseline = resources();
const atStart = await memory();
let atWarm = atStart;
console.log(
  `soak: ${CYCLES} cycles, ${CONCURRENCY} at a time, ${Math.round(60 * PROCESS_SHARE)} of every 60 on a Process, warm-up ${WARMUP}`,
);
console.log(`start:   rss ${atStart.rss.toFixed(1)} MB, heap used ${atStart.heap.toFixed(1)} MB, handles: ${showCounts(baseline)}`);

const perKind = new Map<Kind, { n: number; ms: number }>();
let next = 0;
let done = 0;
const began = performance.now();
let warmAt = began;
let warmDone: Promise<void> | undefined;

async function lane(): Promise<void> {
  for (let i = next++; i < CYCLES; i = next++) {
    const kind = kindOf(i);
    const [backend, which] = kind.split('-') as ['thread' | 'process', keyof typeof cycle];
    const t0 = performance.now();
    try {
      await cycle[which](backend === 'thread' ? Thread : Process, i);
    } catch (error) {
      failures.push(`cycle ${i} (${kind}): ${error instanceof Error ? error.message : String(error)}`);
    }
    const stat = perKind.get(kind) ?? { n: 0, ms: 0 };
    stat.n += 1;
    stat.ms += performance.now() - t0;
    perKind.set(kind, stat);
    done += 1;
    if (done === WARMUP) {
      // Measured while the other lanes go on: a GC pause, not a stop of the soak.
      warmDone = memory().then((m) => {
        atWarm = m;
        warmAt = performance.now();
        console.log(`warm:    rss ${m.rss.toFixed(1)} MB, heap used ${m.heap.toFixed(1)} MB after ${WARMUP} cycles`);
      });
    }
    if (done % 1000 === 0) {
      const s = (performance.now() - began) / 1000;
      const { rss, heapUsed } = process.memoryUsage();
      console.log(
        `  ${String(done).padStart(6)} cycles  ${(done / s).toFixed(1)}/s  rss ${(rss / MB).toFixed(1)} MB  heap ${(heapUsed / MB).toFixed(1)} MB`,
      );
    }
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, () => lane()));
await warmDone;
const seconds = (performance.now() - began) / 1000;

// A closed handle leaves the list after its close callback: give it a bounded moment.
let end = resources();
for (let i = 0; i < 200 && !sameCounts(end, baseline); i += 1) {
  await (i < 20 ? nextTurn() : sleepMs(5));
  end = resources();
}
const atEnd = await memory();
const growth = atEnd.rss - atWarm.rss;

console.log(`end:     rss ${atEnd.rss.toFixed(1)} MB, heap used ${atEnd.heap.toFixed(1)} MB, handles: ${showCounts(end)}`);
console.log(
  `${CYCLES} cycles in ${seconds.toFixed(1)} s: ${(CYCLES / seconds).toFixed(1)} cycles/s` +
    ` (after the warm-up: ${((CYCLES - WARMUP) / ((performance.now() - warmAt) / 1000)).toFixed(1)}/s)`,
);
for (const [kind, { n, ms }] of [...perKind].sort())
  console.log(`  ${kind.padEnd(16)} ${String(n).padStart(6)} cycles, ${(ms / n).toFixed(1)} ms each`);
console.log(
  `rss growth after the warm-up: ${growth.toFixed(1)} MB (goal < ${RSS_GROWTH_GOAL_MB} MB); heap used ${atWarm.heap.toFixed(1)} -> ${atEnd.heap.toFixed(1)} MB`,
);

const missed: string[] = [];
if (failures.length > 0) missed.push(`${failures.length} cycles did not end as they should:\n  ${failures.slice(0, 10).join('\n  ')}`);
if (!sameCounts(end, baseline)) missed.push(`active handles ${showCounts(end)}, at the start ${showCounts(baseline)}`);
if (enumerate().length > 0)
  missed.push(
    `enumerate() still lists ${enumerate()
      .map((t) => t.name)
      .join(', ')}`,
  );
if (unhandled.length > 0) missed.push(`${unhandled.length} unhandled rejections: ${unhandled.slice(0, 3).map(String).join(', ')}`);
if (!(growth < RSS_GROWTH_GOAL_MB)) missed.push(`rss grew ${growth.toFixed(1)} MB after the warm-up, goal < ${RSS_GROWTH_GOAL_MB} MB`);
if (missed.length > 0) {
  console.error(`soak: goals missed:\n- ${missed.join('\n- ')}`);
  process.exitCode = 1;
} else {
  console.log('soak: all goals met');
}
