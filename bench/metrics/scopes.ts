// scope-cancel-fanout and scope-overhead: what a TaskScope adds to a cancel and to a pool task.
//
// scope-cancel-fanout (µs): N children of one scope park in sleepSync(60 000); then a failed child is
// added (a pool task that already failed: the scope learns of it synchronously, so the figure is the
// scope's own fan-out, not how long a failing thread takes to exit), the 'allSucceed' policy cancels
// every sibling, and each stamps the time it resumed. Sample = the last sibling's resume - the moment
// before add(). For 2, 8 and 32 Thread children, and 8 tasks on a warm ThreadPoolExecutor. The
// baseline, scope-cancel-single, is one Thread's cancel() → resumed, measured the same way in the same
// run (cancel-blocked-sleep's harness): the goal is 8 children <= 2x it. scope-cancel-loop-8-threads is
// the reference for 8: the same 8 threads' own cancel() called in a loop, no scope involved. On a machine
// with fewer cores than children the wakes cannot all run at once: the woken threads take the CPU
// from the thread still cancelling, and the figure is the scheduler's, with or without a scope.
//
// scope-overhead (µs): `scope.submit(pool, trivial)` + `await scope.join()` on a fresh scope, against
// `await pool.submit(trivial)` (scope-overhead-plain), alternating, on one warm worker. Goal <= 1.2x.
import { Stamps, delay, elapsed, now } from '../lib/clock.ts';
import { type Context, type Group, type Threadkit, pick } from '../lib/context.ts';
import { summarize, type Result } from '../lib/results.ts';

// threadkit's in-thread function, seen by name in the thread (declared, not imported: see cancel-wake.ts).
declare const sleepSync: Threadkit['sleepSync'];

/** Stamps slot `armed` (it is in its sleep), sleeps until cancelled, stamps slot `woken`. */
function sleeper(buffer: SharedArrayBuffer, armed: number, woken: number): void {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, armed, process.hrtime.bigint());
  Atomics.notify(s, armed);
  sleepSync(60_000);
  Atomics.store(s, woken, process.hrtime.bigint());
  Atomics.notify(s, woken);
}

function fail(): never {
  throw new Error('the first failure');
}

function trivial(n: number): number {
  return n + 1;
}

/** Waits for slot `i`, blocking this thread first so that the woken children get the CPU at once. */
async function woken(stamps: Stamps, i: number): Promise<bigint> {
  stamps.block(i, 100);
  return stamps.wait(i);
}

/**
 * One fan-out sample: `count` children (threads, or tasks of `pool`) parked, then a failure added
 * (`loop`: instead, each child's own cancel() called in a loop, the reference for what the machine allows).
 */
async function fanout(
  tk: Threadkit,
  failed: InstanceType<Threadkit['Future']>,
  count: number,
  pool?: Threadkit['ThreadPoolExecutor']['prototype'],
  loop = false,
): Promise<number> {
  const stamps = new Stamps(2 * count);
  const scope = new tk.TaskScope({ graceMs: 10_000 });
  const children = Array.from({ length: count }, (_, i) =>
    pool ? scope.submit(pool, sleeper, stamps.buffer, i, count + i) : scope.thread(sleeper, stamps.buffer, i, count + i),
  );
  for (let i = 0; i < count; i++) await stamps.wait(i);
  await delay(5);
  const t0 = now();
  if (loop) for (const child of children) child.cancel();
  else scope.add(failed);
  let last = t0;
  for (let i = 0; i < count; i++) {
    const t = await woken(stamps, count + i);
    if (t > last) last = t;
  }
  await scope.join().catch(() => {});
  return elapsed(t0, last, 'us');
}

/** One baseline sample: a single Thread's cancel() → it resumed from sleepSync. */
async function single(tk: Threadkit): Promise<number> {
  const stamps = new Stamps(2);
  const t = new tk.Thread({ target: sleeper, args: [stamps.buffer, 0, 1] }).start();
  await stamps.wait(0);
  await delay(5);
  const t0 = now();
  t.cancel();
  const sample = elapsed(t0, await woken(stamps, 1), 'us');
  await t.join();
  return sample;
}

export const scopes: Group = async (ctx: Context) => {
  const tk = ctx.tk;
  if (!tk) {
    ctx.note('scopes: threadkit is not built; nothing measured.');
    return [];
  }
  const results: Result[] = [];
  const pool = new tk.ThreadPoolExecutor({ maxWorkers: 8, minWorkers: 8 });
  try {
    const failed = pool.submit(fail);
    await failed.then(
      () => {},
      () => {},
    );
    const rounds = pick(ctx, 3, 10);
    const samples = new Map<string, number[]>();
    const push = (metric: string, value: number) => samples.set(metric, [...(samples.get(metric) ?? []), value]);
    // Interleaved, so that drift on a loaded machine spreads over every row.
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < 3; k++) push('scope-cancel-single', await single(tk));
      push('scope-cancel-fanout-2-threads', await fanout(tk, failed, 2));
      push('scope-cancel-fanout-8-threads', await fanout(tk, failed, 8));
      push('scope-cancel-loop-8-threads', await fanout(tk, failed, 8, undefined, true));
      if (r < pick(ctx, 2, 5)) push('scope-cancel-fanout-32-threads', await fanout(tk, failed, 32));
      push('scope-cancel-fanout-8-pool-tasks', await fanout(tk, failed, 8, pool));
    }
    for (const [metric, s] of samples) results.push(summarize(metric, 'threadkit', 'us', s));

    const overhead = { scoped: [] as number[], plain: [] as number[] };
    const one = new tk.ThreadPoolExecutor({ maxWorkers: 1, minWorkers: 1 });
    try {
      for (let i = 0; i < 50; i++) await one.submit(trivial, i); // warm: the target compiled, the paths hot
      const count = pick(ctx, 300, 3000);
      for (let i = 0; i < count; i++) {
        let t0 = now();
        const scope = new tk.TaskScope();
        scope.submit(one, trivial, i);
        await scope.join();
        overhead.scoped.push(elapsed(t0, now(), 'us'));
        t0 = now();
        await one.submit(trivial, i);
        overhead.plain.push(elapsed(t0, now(), 'us'));
      }
    } finally {
      await one.shutdown();
    }
    results.push(summarize('scope-overhead', 'threadkit', 'us', overhead.scoped));
    results.push(summarize('scope-overhead-plain', 'threadkit', 'us', overhead.plain));
  } finally {
    await pool.shutdown();
  }
  const median = (metric: string) => results.find((r) => r.metric === metric)!.median;
  ctx.note(
    `scope-cancel-fanout: N children parked in sleepSync, a failed child added, the policy cancels all; last resume - add(). ` +
      `8 threads: ${(median('scope-cancel-fanout-8-threads') / median('scope-cancel-single')).toFixed(2)}x a single cancel of a blocked sleepSync in this run (goal <= 2x), ` +
      `${(median('scope-cancel-fanout-8-threads') / median('scope-cancel-loop-8-threads')).toFixed(2)}x the same 8 threads cancelled by a plain loop of cancel().`,
  );
  ctx.note(
    `scope-overhead: scope.submit() + join() of a trivial task vs await pool.submit(): ` +
      `${(median('scope-overhead') / median('scope-overhead-plain')).toFixed(2)}x (goal <= 1.2x).`,
  );
  return results;
};
