// One paragraph per metric for BENCHMARKS.md: what the figure means for a user. Every figure in the
// text is filled in from the results, so the document never carries a hand-typed number.
import { compare, fmt, fmtRatio, type Comparison } from './compare.ts';
import type { Impl, ResultsFile } from './results.ts';

/** A figure with its unit as prose writes it: "12.3 ms", "93 µs", "1.9×". */
const withUnit = (value: number, unit: string): string =>
  unit === 'x' ? `${fmt(value)}×` : `${fmt(value)} ${unit === 'us' ? 'µs' : unit}`;

/** Figures of one metric, formatted for prose; "n/a" where an implementation has no result. */
class Figures {
  constructor(private readonly c: Comparison | undefined) {}
  /** Median with its unit, e.g. "12.3 ms". */
  m(impl: Impl): string {
    const r = this.c?.byImpl.get(impl);
    return r ? withUnit(r.median, r.unit) : 'n/a';
  }
  /** p95 with its unit. */
  p95(impl: Impl): string {
    const r = this.c?.byImpl.get(impl);
    return r ? withUnit(r.p95, r.unit) : 'n/a';
  }
  get toRaw(): string {
    return fmtRatio(this.c?.toRaw);
  }
  get has(): boolean {
    return this.c !== undefined;
  }
}

type Paragraph = (f: Figures, file: ResultsFile) => string;

const PARAGRAPHS: Record<string, Paragraph> = {
  'thread-start': (f) =>
    `**thread-start** — from \`new Thread(...).start()\` to the first line of the target: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), against ${f.m('raw')} for a bare \`new Worker(file)\` to its first line (${f.toRaw}). Nearly all of it is Node creating a V8 isolate and an event loop; threadkit adds loading its in-thread runtime and the target's source. The peers' figure is a cold pool (constructor → first task running: piscina ${f.m('piscina')}, tinypool ${f.m('tinypool')}, workerpool ${f.m('workerpool')}), paid once per pool; every threadkit Thread pays its start, because a Thread is one task's own thread. For thousands of short tasks a pool is the right tool; for work you start, watch and stop one by one, this is the price of a thread.`,
  terminate: (f) =>
    `**terminate** — \`terminate()\` of a thread stuck in \`for (;;)\`, until it is gone: ${f.m('threadkit')}, raw \`worker.terminate()\` ${f.m('raw')} (${f.toRaw}). Destroying a one-worker pool whose task spins: piscina ${f.m('piscina')}, tinypool ${f.m('tinypool')}, workerpool ${f.m('workerpool')} (\`pool.terminate(true)\` first asks the busy worker to clean up and waits \`workerTerminateTimeout\`, 1 s by default, before it kills it).`,
  'cancel-blocked-sleep': (f) =>
    `**cancel-blocked-sleep** — \`cancel()\` → a thread blocked in \`sleepSync()\` runs again: ${f.m('threadkit')} median, p95 ${f.p95('threadkit')}; the bare \`Atomics.notify\` → \`Atomics.wait\` wake, measured the same way, ${f.m('raw')} (${f.toRaw}). Both figures include the call that wakes the thread (\`cancel()\` / \`Atomics.notify\`). This is the operating system waking a sleeping thread, so raw is the floor. A Python thread in \`time.sleep()\` cannot be woken at all; it sees its stop flag when the sleep ends. None of the peers can reach a task inside the worker.`,
  'cancel-async-sleep': (f) =>
    `**cancel-async-sleep** — \`cancel()\` → \`await sleep()\` resumes in a thread whose event loop is free: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), raw \`Atomics.waitAsync\` ${f.m('raw')} (${f.toRaw}). The same holds for anything waiting on \`cancelSignal()\`: the abort is delivered by the thread's own event loop, a turn later than a blocked wake.`,
  'cancel-polling': (f) =>
    `**cancel-polling** — \`cancel()\` → a loop \`while (!cancelled())\` exits: ${f.m('threadkit')}, raw loop on \`Atomics.load\` ${f.m('raw')} (${f.toRaw}). The store itself reaches another core in about a microsecond; on a machine with as few cores as this one most of the figure is the time until the scheduler runs the spinning thread again.`,
  'cancel-check-cost': (f) =>
    `**cancel-check-cost** — one \`cancelled()\` in a hot loop costs ${f.m('threadkit')}, a bare \`Atomics.load\` ${f.m('raw')} (${f.toRaw}): cheap enough to check on every iteration of any loop that does real work.`,
  'cancel-running-task': (f) =>
    `**cancel-running-task** — cancelling a running CPU-bound task, until the caller's promise settles. threadkit: the task sees the cancel at its next \`checkpoint()\` and \`result()\` rejects with \`CancelledError\` after ${f.m('threadkit')}, once the thread has ended (a raw worker that answers a flag with a message: ${f.m('raw')}). piscina (${f.m('piscina')}), tinypool (${f.m('tinypool')}) and workerpool (${f.m('workerpool')}) reject the promise at once, but they cannot reach the task: piscina and tinypool abort by terminating the worker, workerpool's \`cancel()\` terminates it after its cleanup timeout.`,
  'cancel-running-task-next': (f) =>
    `**cancel-running-task-next** — the same cancel, until the next task runs on the freed capacity (a pool of one thread). The peers must replace the killed worker first: piscina ${f.m('piscina')}, tinypool ${f.m('tinypool')}, workerpool ${f.m('workerpool')} — for that long the pool can run nothing (workerpool waits \`workerTerminateTimeout\`, 1 s by default, for the busy worker to answer a cleanup request, then as long again for it to exit, and only then kills it). threadkit: ${f.m('threadkit')}, the cancelled thread ending by itself and a new Thread starting; a hand-written reusable worker with a cooperative flag: ${f.m('raw')}.`,
  'cpu-speedup': (f, file) =>
    `**cpu-speedup** — one CPU-bound batch (4 tasks per core) on all ${file.cpus} cores against the same batch serial on the main thread: threadkit ${f.m('threadkit')}, raw ${f.m('raw')}, piscina ${f.m('piscina')}, tinypool ${f.m('tinypool')}, workerpool ${f.m('workerpool')}. threadkit and raw start one fresh thread per share of the batch, so thread start is inside their time; the pools run on warm workers. The \`cpu-speedup@k\` rows give the same at k threads, so a run on a bigger machine shows the scaling.`,
  'memory-per-thread': (f) =>
    `**memory-per-thread** — resident memory added by each live, idle thread: threadkit ${f.m('threadkit')}, raw Worker ${f.m('raw')} (${f.toRaw}), one pool worker of piscina ${f.m('piscina')}, tinypool ${f.m('tinypool')}, workerpool ${f.m('workerpool')}. A thread is a V8 isolate with its own heap and event loop: a hundred idle threads hold several hundred MiB, so size thread counts to the work, not to the number of requests.`,
  'process-start': (f) =>
    `**process-start** — \`new Process(...).start()\` to the target's first line: ${f.m('threadkit')}, raw \`child_process.fork()\` of a small script to its first line ${f.m('raw')} (${f.toRaw}). A child process is a whole Node runtime. threadkit's child runs the target on its own main thread; a small watcher thread, started alongside, takes cancels from a control socket, and one IPC round trip before the target begins makes sure a cancel sent while starting stops it from running at all.`,
  'process-cancel-blocked-sleep': (f) =>
    `**process-cancel-blocked-sleep** — \`cancel()\` → a child process blocked in \`sleepSync()\` runs again: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}); raw, one IPC message to an idle child (\`child.send()\` → its \`'message'\` handler): ${f.m('raw')} (${f.toRaw}). Shared memory cannot cross processes, so the cancel takes two hops: over a socket to the child's watcher thread, then \`Atomics.notify\` to the blocked main thread. On this virtual machine each hop that wakes an idle thread costs several hundred microseconds; a raw IPC message wakes an event loop but not a blocked thread, which no message can reach.`,
  'process-terminate': (f) =>
    `**process-terminate** — \`terminate()\` of a child blocked in \`sleepSync()\` until it has exited: ${f.m('threadkit')}, raw \`child.kill('SIGTERM')\` → \`'exit'\` of an idle child ${f.m('raw')} (${f.toRaw}).`,
  'memory-per-process': (f) =>
    `**memory-per-process** — resident memory of a live, idle child: threadkit ${f.m('threadkit')} (the child process and its small watcher thread), raw forked script ${f.m('raw')} (${f.toRaw}).`,
};

/** The paragraphs, in the order of the results, for every metric that has one. */
export function paragraphs(file: ResultsFile): string[] {
  const byMetric = new Map(compare(file.results).map((c) => [c.metric, c] as const));
  return Object.entries(PARAGRAPHS)
    .map(([metric, write]) => ({ f: new Figures(byMetric.get(metric)), write }))
    .filter(({ f }) => f.has)
    .map(({ f, write }) => write(f, file));
}
