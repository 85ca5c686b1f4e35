// The lifecycle fuzz's pool backends: a Future of a warm ThreadPoolExecutor / ProcessPoolExecutor behind the Subject of model.ts.
//
// A Future has no `new` state, no start(), join() or terminate(): the adapter gives it those as
// model.ts's header says. It answers `new` until start(), which submits the target (a cancel before
// start() is passed on at once after the submit: a pending future's cancel ends it there and then),
// terminate() is `stop({ graceMs: 0 })` (so it cancels first: `terminateCancels`), join(ms) is
// `wait([future], { timeoutMs: ms })`, true when the future is done; terminate() or stop() before
// start() ends the adapter `terminated` without submitting anything, as a Thread's do.
//
// Every sequence of a backend runs on one warm pool of a single worker (minWorkers = maxWorkers
// = 1): the worker a sequence cancelled, stopped or replaced is the one the next sequence gets.
// After each sequence, dispose() runs a fresh probe task on it that must see no cancel (cancelled(),
// cancelSignal(), an uninterrupted sleepSync()) and complete normally: a sequence never sees the
// previous one's cancel. closePools() shuts the pools down at the end of a run.

import {
  ProcessPoolExecutor,
  TerminatedError,
  ThreadPoolExecutor,
  ThreadStateError,
  cancelSignal,
  cancelled,
  currentThread,
  sleepSync,
  wait,
  type Future,
  type Outcome,
} from 'threadkit';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { DEADLINE_MS, type Backend, type Subject } from './model.ts';

type Pool = ThreadPoolExecutor | ProcessPoolExecutor;

/** The fresh task run after each sequence: 'clean' unless it saw a cancel (a previous task's). */
function probe(): string {
  if (cancelled()) return `cancelled() is true in ${currentThread().name}`;
  if (cancelSignal().aborted) return `cancelSignal() is aborted in ${currentThread().name}`;
  if (!sleepSync(1)) return `sleepSync(1) was woken in ${currentThread().name}`;
  return 'clean';
}

// API.md section 12: any number >= 0, Infinity (no limit) included.
const validMs = (ms: unknown): boolean => ms === undefined || (typeof ms === 'number' && ms >= 0);

let sequence = 0;

/** A not yet submitted task of `pool`, as a Subject. */
class FutureSubject implements Subject {
  readonly name = `fuzz task ${++sequence}`;
  #future: Future<unknown> | undefined;
  /** terminate()/stop() before start(): ended without a task. */
  #endedUnstarted: Outcome | undefined;
  #cancelBeforeStart: { reason: unknown } | undefined;

  constructor(
    readonly pool: Pool,
    readonly fn: (...args: unknown[]) => unknown,
    readonly args: unknown[],
  ) {}

  get future(): Future<unknown> | undefined {
    return this.#future;
  }

  get state(): string {
    if (this.#endedUnstarted !== undefined) return 'ended';
    return this.#future?.state ?? 'new';
  }

  get outcome(): Outcome | undefined {
    return this.#endedUnstarted ?? this.#future?.outcome;
  }

  start(): void {
    if (this.#future !== undefined || this.#endedUnstarted !== undefined) throw new ThreadStateError(`${this.name}: start() called twice`);
    this.#future = this.pool.run(this.fn, this.args, { name: this.name });
    if (this.#cancelBeforeStart !== undefined) this.#future.cancel(this.#cancelBeforeStart.reason);
  }

  isAlive(): boolean {
    const state = this.state;
    return state !== 'new' && state !== 'ended';
  }

  cancel(reason?: unknown): void {
    if (this.#future !== undefined) this.#future.cancel(reason);
    else this.#cancelBeforeStart ??= { reason };
  }

  terminate(): Promise<Outcome> {
    return this.stop({ graceMs: 0 });
  }

  async stop(options: { graceMs: number }): Promise<Outcome> {
    if (this.#future !== undefined) return this.#future.stop(options);
    if (!validMs(options.graceMs))
      throw new RangeError(`Expected \`graceMs\` to be a number >= 0 or Infinity, got ${String(options.graceMs)}`);
    this.#endedUnstarted ??= { status: 'terminated' };
    return this.#endedUnstarted;
  }

  async join(timeoutMs?: number): Promise<boolean> {
    if (!validMs(timeoutMs)) throw new RangeError(`Expected \`timeoutMs\` to be a number >= 0 or Infinity, got ${String(timeoutMs)}`);
    if (this.#endedUnstarted !== undefined) return true;
    if (this.#future === undefined) throw new ThreadStateError(`${this.name}: join() before start()`);
    const { done } = await wait([this.#future], timeoutMs === undefined ? {} : { timeoutMs });
    return done.has(this.#future);
  }

  async result(timeoutMs?: number): Promise<unknown> {
    if (this.#future !== undefined) return this.#future.result(timeoutMs);
    if (!validMs(timeoutMs)) throw new RangeError(`Expected \`timeoutMs\` to be a number >= 0 or Infinity, got ${String(timeoutMs)}`);
    if (this.#endedUnstarted !== undefined) throw new TerminatedError(`${this.name} was terminated before it started`);
    throw new ThreadStateError(`${this.name}: result() before start()`);
  }
}

const pools = new Map<string, Pool>();

function poolBackend(name: string, make: () => Pool, process: boolean): Backend {
  const pool = (): Pool => {
    let p = pools.get(name);
    if (p === undefined) pools.set(name, (p = make()));
    return p;
  };
  return {
    name,
    states: ['new', 'pending', 'running', 'cancelling', 'ended'],
    beforeBegin: ['pending'],
    // A child process gets a copy of the SharedArrayBuffer: `ran` cannot be read back.
    sharesMemory: !process,
    listed: false,
    terminateCancels: true,
    // A task already sent to a child ends only once the child has seen its cancel (no shared memory to withdraw it in).
    cancelMayWait: process,
    reportsUnhandledOnly: true,
    // join() is wait([future]): a failed future it returns done is handled (API.md section 12).
    joinHandles: true,
    cancelBeforeStartRaces: true,
    create: (fn, args) => new FutureSubject(pool(), fn, args),
    async prepare() {
      if (!pools.has(name)) await checkProbe(pool());
    },
    async dispose(failed) {
      if (!failed) return checkProbe(pool());
      // What a failed sequence left must not fail the next try: a fresh pool.
      const p = pools.get(name);
      pools.delete(name);
      if (p === undefined) return;
      const deadline = new AbortController();
      const stopped = await Promise.race([
        p.stop({ graceMs: 0 }).then(() => true),
        sleepMs(DEADLINE_MS, false, { signal: deadline.signal }).catch(() => true),
      ]);
      deadline.abort();
      if (!stopped)
        throw new Error(`stop({ graceMs: 0 }) of ${p.name} did not resolve within ${DEADLINE_MS} ms (${JSON.stringify(p.stats)})`);
    },
  };
}

/** Runs the probe on `p`'s worker: it must complete clean, and leave one idle worker. */
async function checkProbe(p: Pool): Promise<void> {
  const f = p.submit(probe);
  const { done } = await wait([f], { timeoutMs: DEADLINE_MS });
  if (!done.has(f))
    throw new Error(`the probe after the sequence did not end within ${DEADLINE_MS} ms on ${p.name} (${JSON.stringify(p.stats)})`);
  const outcome = f.outcome!;
  if (outcome.status !== 'completed' || outcome.value !== 'clean') {
    throw new Error(
      `the probe after the sequence did not complete clean on ${p.name}: ${outcome.status === 'completed' ? String(outcome.value) : outcome.status}`,
    );
  }
  const { workers, busy, queued } = p.stats;
  if (workers !== 1 || busy !== 0 || queued !== 0)
    throw new Error(`after the probe, ${p.name} has ${JSON.stringify(p.stats)}, not one idle worker`);
}

export const ThreadPoolBackend = poolBackend(
  'ThreadPoolExecutor',
  () => new ThreadPoolExecutor({ minWorkers: 1, maxWorkers: 1, name: 'fuzz-threads' }),
  false,
);

export const ProcessPoolBackend = poolBackend(
  'ProcessPoolExecutor',
  () => new ProcessPoolExecutor({ minWorkers: 1, maxWorkers: 1, name: 'fuzz-processes' }),
  true,
);

/** Shuts down the warm pools the backends made (at the end of a run). */
export async function closePools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.stop({ graceMs: 0 })));
  pools.clear();
}
