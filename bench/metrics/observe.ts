// observe-overhead and metrics-cost (API.md 11): what the channels, the timeline and the always-on metrics cost a pool's tiny tasks.
//
// observe-overhead: tiny-task throughput of one warm ThreadPoolExecutor (maxWorkers 2) in four
// variants, A/B in this process, in two phases (none against bypass before anything ever subscribed,
// then the subscribers against bypass), in a random order each round, each after a full collection: `bypass` (the internal switch
// dist/observe/channels.js's `bypass.on`: no channel is checked, no metric recorded), `none` (the
// shipped build, nobody subscribed: only hasSubscribers checks and the metrics), `tracing` (a
// TracingChannel subscriber with all five handlers), `timeline` (startTimeline() recording). Each
// round's variants are divided by that round's bypass: the figure is the median ratio, of wall-clock
// throughput and of tasks per CPU second of this process (steadier while other programs load the machine). Goals:
// none >= 0.97×, timeline >= 0.8×.
// metrics-cost: ns per task of the always-on metrics, measured alone: the submit clock reading, the
// conversion of the worker's two readings, and Metrics#record (three histogram records), in a loop.
import dc from 'node:diagnostics_channel';
import v8 from 'node:v8';
import vm from 'node:vm';
import { poolApi } from '../lib/api.ts';
import { elapsed, now } from '../lib/clock.ts';
import { type Context, type Group, pick } from '../lib/context.ts';
import { summarize, type Result } from '../lib/results.ts';
import { median } from '../lib/stats.ts';

type Variant = 'bypass' | 'none' | 'tracing' | 'timeline';
const VARIANTS: readonly Variant[] = ['bypass', 'none', 'tracing', 'timeline'];

/** The trivial task. */
function echo(value: unknown): unknown {
  return value;
}

let gc: (() => void) | undefined;
/** Two full collections (gc exposed as bench/metrics/pool.ts does). */
function collect(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

const internal = (path: string) => import(new URL(`../../dist/${path}`, import.meta.url).href);

export const observe: Group = async (ctx: Context): Promise<Result[]> => {
  const api = poolApi(ctx, 'observe');
  if (!api) return [];
  const { bypass } = (await internal('observe/channels.js')) as { bypass: { on: boolean } };
  const { Metrics } = (await internal('executor/metrics.js')) as { Metrics: new () => { record(task: unknown): void } };
  const { fromMono, monoNow } = (await internal('base/clock.js')) as { fromMono: (m: number) => number; monoNow: () => number };

  const rounds = pick(ctx, 20, 80);
  const count = pick(ctx, 2_000, 4_000);
  const pool = new api.ThreadPoolExecutor({ maxWorkers: 2, minWorkers: 2 });
  /** Tasks per second of wall time, and per second of this process's CPU time (less sensitive to other programs' load). */
  const run = async (): Promise<{ wall: number; cpu: number }> => {
    const c0 = process.cpuUsage();
    const t0 = now();
    const all = new Array<PromiseLike<unknown>>(count);
    for (let i = 0; i < count; i++) all[i] = pool.submit(echo, i);
    await Promise.all(all);
    const wall = (count / elapsed(t0, now(), 'ms')) * 1000;
    const { user, system } = process.cpuUsage(c0);
    return { wall, cpu: (count / (user + system)) * 1e6 };
  };
  await run(); // warm up: both workers started, the target compiled in each
  const handlers = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
  const measure = async (variant: Variant): Promise<{ wall: number; cpu: number }> => {
    bypass.on = variant === 'bypass';
    const traced = variant === 'tracing' ? dc.tracingChannel('threadkit:task') : undefined;
    traced?.subscribe(handlers);
    const rec = variant === 'timeline' ? ctx.tk!.startTimeline() : undefined;
    try {
      return await run();
    } finally {
      traced?.unsubscribe(handlers);
      rec?.stop();
      bypass.on = false;
    }
  };
  const ratios = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const cpuRatios = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const bypassed: number[] = [];
  // Two phases, each against its own bypassed runs: first `none` while nothing has ever subscribed
  // in this process (as in a program that nobody observes: subscribing and unsubscribing changes
  // the channels' shapes, which a program that never subscribes does not pay for), then the subscribers.
  for (const phase of [
    ['bypass', 'none'],
    ['bypass', 'tracing', 'timeline'],
  ] as const) {
    for (let round = 0; round < rounds; round++) {
      const got = new Map<Variant, { wall: number; cpu: number }>();
      // Each round in a fresh random order, each variant after a full collection: no variant inherits
      // another's garbage or always follows the same one.
      const order = [...phase].sort(() => Math.random() - 0.5);
      for (const variant of order) {
        collect();
        got.set(variant, await measure(variant));
      }
      const base = got.get('bypass')!;
      if (phase.length === 2) bypassed.push(base.wall);
      for (const v of phase) {
        ratios.get(v)!.push(got.get(v)!.wall / base.wall);
        cpuRatios.get(v)!.push(got.get(v)!.cpu / base.cpu);
      }
    }
  }
  await pool.shutdown();

  // metrics-cost: the per-task work of the metrics, on task-shaped objects, in batches.
  const metrics = new Metrics();
  const slot = { ran: 0 };
  const n = pick(ctx, 200_000, 1_000_000);
  const costs: number[] = [];
  for (let batch = 0; batch < pick(ctx, 5, 15); batch++) {
    const base = monoNow();
    const t0 = now();
    for (let i = 0; i < n; i++) {
      const task = { submitTime: performance.now(), startedAt: 0, endedAt: 0, cancelAt: undefined, slot };
      task.startedAt = fromMono(base + (i % 97) * 0.001);
      task.endedAt = fromMono(base + (i % 97) * 0.001 + 0.004 + (i % 13) * 0.01);
      metrics.record(task);
    }
    costs.push(elapsed(t0, now(), 'ns') / n);
  }
  const m = (samples: readonly number[]) => median(samples).toFixed(2);
  ctx.note(
    `observe-overhead (median of ${rounds} rounds of ${count} tiny tasks on 2 workers, each round's variants over its bypassed run): ` +
      `no subscriber ${m(ratios.get('none')!)}× (goal >= 0.97×), TracingChannel subscriber ${m(ratios.get('tracing')!)}×, ` +
      `timeline ${m(ratios.get('timeline')!)}× (goal >= 0.8×); per CPU second ${m(cpuRatios.get('none')!)}×, ` +
      `${m(cpuRatios.get('tracing')!)}×, ${m(cpuRatios.get('timeline')!)}×. metrics-cost: ${median(costs).toFixed(0)} ns per task ` +
      '(goal <= 500 ns; on task-shaped objects, the loop also allocates each one, so it is an upper bound).',
  );
  return [
    summarize('observe-overhead: bypass (tasks/s)', 'threadkit', 'tasks/s', bypassed),
    summarize('observe-overhead: no subscriber', 'threadkit', '× bypass', ratios.get('none')!),
    summarize('observe-overhead: tracing subscriber', 'threadkit', '× bypass', ratios.get('tracing')!),
    summarize('observe-overhead: timeline', 'threadkit', '× bypass', ratios.get('timeline')!),
    summarize('observe-overhead: no subscriber, per CPU s', 'threadkit', '× bypass', cpuRatios.get('none')!),
    summarize('observe-overhead: tracing subscriber, per CPU s', 'threadkit', '× bypass', cpuRatios.get('tracing')!),
    summarize('observe-overhead: timeline, per CPU s', 'threadkit', '× bypass', cpuRatios.get('timeline')!),
    summarize('metrics-cost', 'threadkit', 'ns/task', costs),
  ];
};
