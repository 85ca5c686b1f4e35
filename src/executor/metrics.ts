// pool.metrics(): the always-on histograms of a pool's tasks (wait, run, cancel latency), its utilization, and its workers.

import { validateBoolean, validateOptions } from '../base/validate.js';
import { bypass } from '../observe/channels.js';
import { Recorder, type Histogram } from './histogram.js';
import type { WorkerSlot } from './pool.js';
import type { Task } from './task-state.js';

export type { Histogram };

/** One live worker in `pool.metrics().workers`. */
export interface WorkerMetrics {
  readonly name: string;
  /** Its thread id, or its pid; -1 while it could not be started. */
  readonly ident: number;
  /** Tasks whose target began that it ended in the window. */
  readonly tasks: number;
  /** CPU time of the worker thread or child process since it started, where the runtime offers it per worker. */
  readonly cpuUserUs?: number;
  readonly cpuSystemUs?: number;
  /** Its JavaScript heap in use (bytes), where the runtime offers it per worker. */
  readonly heapUsed?: number;
}

/** What `pool.metrics()` resolves with: one window, from `since` for `elapsedMs`. Histograms in µs. */
export interface PoolMetrics {
  /** performance.now() when the window began. */
  readonly since: number;
  readonly elapsedMs: number;
  /** Submitted -> target began, per task whose target began and that ended in the window. */
  readonly waitTime: Histogram;
  /** Target began -> ended (the worker's readings), per task that ended in the window. */
  readonly runTime: Histogram;
  /** cancel() of a running task -> its outcome settled here. */
  readonly cancelLatency: Histogram;
  /** Run time of the tasks that ended in the window / (maxWorkers × elapsedMs), at most 1. */
  readonly utilization: number;
  readonly workers: readonly WorkerMetrics[];
}

/** Options of `metrics()`. */
export interface MetricsOptions {
  /** Begin a new window after this one's figures are taken. Default false. */
  reset?: boolean;
}

const KEYS = new Set(['reset']);

/** A pool's figures since its creation or the last reset. */
export class Metrics {
  #since = performance.now();
  #wait = new Recorder();
  #run = new Recorder();
  #cancel = new Recorder();
  #busyMs = 0;
  /** The window's end once the pool is shut down (its last window stays as it was). */
  #closedAt: number | undefined;

  /** A task ended (settled here): its wait and run time when its target began, its cancel latency when it was cancelled while running. */
  record(task: Task): void {
    const start = task.startedAt;
    if (start === undefined || bypass.on) return;
    const end = task.endedAt ?? performance.now();
    this.#wait.record((start - task.submitTime) * 1000);
    const run = end > start ? end - start : 0;
    this.#run.record(run * 1000);
    this.#busyMs += run;
    if (task.cancelAt !== undefined) this.#cancel.record((performance.now() - task.cancelAt) * 1000);
    if (task.slot !== undefined) task.slot.ran += 1;
  }

  /** The pool is shut down and its workers gone: its window ends now. */
  close(): void {
    this.#closedAt ??= performance.now();
  }

  /**
   * This window's figures, the live workers' own readings included (asked of each, concurrently);
   * with `reset`, a new window begins once they are taken.
   * @throws {TypeError} for options other than `{ reset?: boolean }`.
   */
  take(options: MetricsOptions | undefined, slots: ReadonlySet<WorkerSlot>, maxWorkers: number): Promise<PoolMetrics> {
    const { reset } = validateOptions(options, 'metrics()', KEYS) as MetricsOptions;
    validateBoolean(reset, 'reset');
    return this.#take(reset === true, slots, maxWorkers);
  }

  async #take(reset: boolean, slots: ReadonlySet<WorkerSlot>, maxWorkers: number): Promise<PoolMetrics> {
    const now = this.#closedAt ?? performance.now();
    const elapsedMs = now - this.#since;
    const window = {
      since: this.#since,
      elapsedMs,
      waitTime: this.#wait.summary(),
      runTime: this.#run.summary(),
      cancelLatency: this.#cancel.summary(),
      utilization: elapsedMs > 0 ? Math.min(1, this.#busyMs / (maxWorkers * elapsedMs)) : 0,
    };
    const live = [...slots].filter((slot) => slot.state !== 'gone');
    const counts = live.map((slot) => slot.ran);
    if (reset) {
      this.#since = now;
      this.#wait = new Recorder();
      this.#run = new Recorder();
      this.#cancel = new Recorder();
      this.#busyMs = 0;
      for (const slot of slots) slot.ran = 0;
    }
    const workers = await Promise.all(
      live.map(async (slot, i): Promise<WorkerMetrics> => {
        const usage = (await slot.transport.usage?.().catch(() => undefined)) ?? {};
        return { name: slot.name, ident: slot.transport.ident ?? -1, tasks: counts[i]!, ...usage };
      }),
    );
    return { ...window, workers };
  }
}
