// The Executor: the public API of a pool (submit, run, map, shutdown, stop, stats), its validation, and the rooms it wires.

import { ExecutorShutDownError, got } from '../errors.js';
import { typeName } from '../backend/unsendable.js';
import { UNSENDABLE } from '../shared/walk.js';
import { pools } from '../core/live.js';
import type { TargetSpec } from '../wire/protocol.js';
import type { Outcome } from '../core/settlement.js';
import type { Backend, PoolTransport } from '../backend/transport.js';
import { validateBoolean, validateMs, validateOptions as validateOptionsObject } from '../base/validate.js';
import type { ArgsOf, ResultOf } from '../core/thread-options.js';
import { targetSpec, type Target } from '../backend/task.js';
import { Cancels } from './cancel.js';
import { Dispatch } from './dispatch.js';
import { copyInitializer, encodeTask } from './encode.js';
import { settle, type Future, type FutureControl } from './future.js';
import { Lifetime } from './lifetime.js';
import { mapTasks, type MapOptions } from './map.js';
import { validateOptions, type ExecutorOptions } from './options.js';
import { Pool } from './pool.js';
import { Task, futureState } from './task-state.js';
import { Workers } from './workers.js';
import { Metrics, type MetricsOptions, type PoolMetrics } from './metrics.js';
import { observing, type TerminateReason } from '../observe/channels.js';
import { RunTrace, endRun } from '../observe/run-trace.js';
import { traceOf } from './observe.js';

export type { ExecutorOptions };

/** Options of `run()`. */
export interface RunOptions {
  /** Cancels the task when it aborts; its worker is replaced when the task has not ended graceMs later. */
  signal?: AbortSignal;
  /** The task's name, for messages. Default `<pool name> task N`. */
  name?: string;
}

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** Drop the queued tasks (they end cancelled) instead of running them. Default false. */
  cancelFutures?: boolean;
}

/** `pool.stats`: the pool at this moment. */
export interface ExecutorStats {
  /** Live workers, starting ones included. */
  readonly workers: number;
  readonly idle: number;
  readonly busy: number;
  /** Tasks waiting for a worker (not those handed to an idle worker or to one started for them). */
  readonly queued: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly terminated: number;
}

const RUN_KEYS = new Set(['signal', 'name']);
const SHUTDOWN_KEYS = new Set(['cancelFutures']);
const STOP_KEYS = new Set(['graceMs']);

/** Target specs of functions, computed once per function. */
const specs = new WeakMap<object, TargetSpec>();

/**
 * Base of ThreadPoolExecutor and ProcessPoolExecutor: one pool over the backend value it is given (transport.ts's Backend).
 * @internal Users create a ThreadPoolExecutor or a ProcessPoolExecutor.
 */
export abstract class Executor implements AsyncDisposable {
  readonly #name: string;
  readonly #maxWorkers: number;
  readonly #maxQueued: number;
  readonly #backend: Backend;
  #nextTask = 0;
  #counts = { completed: 0, failed: 0, cancelled: 0, terminated: 0 };
  // The rooms of the pool (one concern each), sharing one Pool context.
  readonly #pool: Pool;
  readonly #dispatch: Dispatch;
  readonly #workers: Workers;
  readonly #lifetime: Lifetime;
  readonly #cancels: Cancels;
  readonly #metrics = new Metrics();

  constructor(options: ExecutorOptions | undefined, kind: string, defaultName: () => string, backend: Backend) {
    const opts = validateOptions(options, kind);
    this.#name = opts.name ?? defaultName();
    this.#maxWorkers = opts.maxWorkers;
    this.#maxQueued = opts.maxQueued;
    this.#backend = backend;
    // The initializer and a copy of its args made now. A process pool's shared objects in them are
    // markers of `served`, a table each worker forks (its own, with the same ids).
    const who = `the initializer of ${this.#name}`;
    const initializer =
      opts.initializer === undefined ? undefined : copyInitializer(backend, this.#spec(opts.initializer, who), opts.initArgs ?? [], who);
    const { maxWorkers, minWorkers, idleTimeoutMs, maxTasksPerWorker, graceMs } = opts;
    const pool = new Pool({ name: this.#name, maxWorkers, minWorkers, idleTimeoutMs, maxTasksPerWorker, graceMs }, (task, outcome) =>
      this.#end(task, outcome),
    );
    this.#pool = pool;
    this.#dispatch = new Dispatch(pool);
    this.#workers = new Workers(pool, this.#dispatch, { initializer, resourceLimits: opts.resourceLimits, backend });
    this.#lifetime = new Lifetime(pool, this.#dispatch, () => {
      pools.delete(this);
      this.#metrics.close();
    });
    this.#cancels = new Cancels(pool, this.#dispatch);
    pool.workers = this.#workers;
    pool.lifetime = this.#lifetime;
    pools.add(this);
    for (let i = 0; i < minWorkers; i += 1) this.#workers.spawn();
  }

  /** The pool's name; its workers are `<name>_<i>`. */
  get name(): string {
    return this.#name;
  }

  /** The most workers it runs at once (the `maxWorkers` option in force). */
  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  /** `{ workers, idle, busy, queued, completed, failed, cancelled, terminated }` at this moment. */
  get stats(): ExecutorStats {
    const slots = this.#workers.slots;
    let busy = 0;
    for (const slot of slots) if (slot.state === 'busy') busy += 1;
    return { workers: slots.size, idle: this.#dispatch.idle, busy, queued: this.#dispatch.waiting(), ...this.#counts };
  }

  /**
   * Queues `target(...args)` and returns its Future. The task starts at once on an idle worker,
   * on a new one when none is idle (up to maxWorkers), or when a worker is free.
   * @throws {ExecutorShutDownError} after shutdown() or stop().
   * @throws {TaskError} when an argument cannot be sent to a worker, or holds a pool or a Future anywhere (it names the path), or for a native or bound function. The args are copied now: later changes to them are not seen by the task.
   * @throws {TypeError} for a target that is none of the forms.
   * @throws {RangeError} when this task would wait for a worker and maxQueued tasks already do.
   */
  submit<T extends Target>(target: T, ...args: ArgsOf<T>): Future<ResultOf<T>> {
    return this.run(target, args);
  }

  /**
   * `submit()` with per-task options: `signal` cancels the task when it aborts and replaces its
   * worker when the task has not ended `graceMs` later (so `AbortSignal.timeout(ms)` is a deadline
   * that really stops the work); `name` names it in messages.
   * @throws as submit() does; TypeError for options that are not what they should be.
   */
  run<T extends Target>(target: T, args?: ArgsOf<T>, options?: RunOptions): Future<ResultOf<T>> {
    return this.#submit(target, args ?? [], options, false) as Future<ResultOf<T>>;
  }

  /**
   * Calls `target(item)` for each item of a sync or async iterable, in the pool, and yields the
   * results: in input order (`ordered`, default true) or as they end. Reads the input lazily
   * (nothing is submitted before the first iteration), keeps at most `bufferSize` (default
   * 2 × maxWorkers) tasks (of `chunkSize` items each, default 1) in flight, reading the input only
   * to make such a task, and cancels the rest when the loop is left early
   * or a task fails (its error is thrown from the loop). After shutdown() it yields what is in
   * flight, then throws ExecutorShutDownError.
   * @throws {ExecutorShutDownError} after shutdown() or stop().
   * @throws {RangeError} for a `chunkSize` or `bufferSize` that is not an integer >= 1.
   */
  map<T extends Target>(
    target: T,
    iterable: Iterable<ArgsOf<T>[0]> | AsyncIterable<ArgsOf<T>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<ResultOf<T>> {
    this.#refuseAfterShutdown('map');
    this.#spec(target, `the target of ${this.#name}.map()`);
    return mapTasks(
      (items, each) => this.#submit(target, items, undefined, each),
      iterable,
      options,
      2 * this.#maxWorkers,
    ) as AsyncIterableIterator<ResultOf<T>>;
  }

  /**
   * No new work: submit/run/map throw ExecutorShutDownError from now on. Resolves once the tasks it
   * waits for have ended and every worker is gone: all queued and running ones, or with
   * `cancelFutures` only the running ones (the queued end cancelled). Idempotent: every call
   * returns the same wait; a later call with `cancelFutures` still drops what is queued.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    const { cancelFutures } = validateOptionsObject(options, 'shutdown()', SHUTDOWN_KEYS);
    validateBoolean(cancelFutures, 'cancelFutures');
    const done = this.#lifetime.shutDown();
    if (cancelFutures === true) {
      for (let task = this.#dispatch.take(); task !== undefined; task = this.#dispatch.take()) {
        traceOf(task, this.#name)?.cancel(undefined);
        this.#end(task, { status: 'cancelled', reason: undefined });
      }
      for (const slot of [...this.#workers.slots]) for (const task of [...slot.ahead]) this.#cancels.cancel(task, undefined);
    }
    this.#lifetime.changed();
    return done;
  }

  /**
   * Shuts down, cancels every task (the queued never run, the running get their cancel), waits up
   * to `graceMs` (default: the pool's) for the running ones, then terminates the workers still
   * busy. Resolves once every worker is gone. Idempotent.
   * @throws {TypeError} (rejects) when `options` is not an object or has an unknown key.
   * @throws {RangeError} (rejects) when `graceMs` is not a number >= 0 (Infinity: no limit).
   */
  async stop(options?: { graceMs?: number }): Promise<void> {
    const graceMs = validateOptionsObject(options, 'stop()', STOP_KEYS).graceMs;
    if (graceMs !== undefined) validateMs(graceMs, 'graceMs');
    const done = this.shutdown({ cancelFutures: true });
    for (const slot of [...this.#workers.slots]) {
      for (const task of [...slot.ahead]) this.#cancels.stop(task, graceMs, undefined);
      if (slot.task !== undefined) this.#cancels.stop(slot.task, graceMs, undefined);
    }
    await done;
  }

  /**
   * Python 3.14's `terminate_workers()`: shuts the pool down, ends the queued tasks cancelled
   * (their targets never run) and terminates every worker at once (busy, idle or starting), with no
   * cancel and no grace period: each running task ends 'terminated'. Resolves once every worker is
   * gone. Idempotent; after a shutdown() still waiting for running tasks, it ends them the same way.
   */
  terminateWorkers(): Promise<void> {
    return this.endWorkers((transport) => transport.terminate(), 'terminate');
  }

  /** terminateWorkers() with the backend's own way to end a worker at once. @internal */
  protected endWorkers(force: (transport: PoolTransport) => void, reason: TerminateReason): Promise<void> {
    const done = this.shutdown({ cancelFutures: true });
    this.#workers.endAll(force, reason);
    this.#lifetime.changed();
    return done;
  }

  /**
   * The pool's figures since it was created or the last `{ reset: true }` (API.md 11.2): wait,
   * run and cancel-latency histograms in µs, utilization, and the live workers with their own
   * CPU time and heap where the runtime offers them. After shutdown, its last window (no workers).
   * @throws {TypeError} for options other than `{ reset?: boolean }`.
   */
  metrics(options?: MetricsOptions): Promise<PoolMetrics> {
    return this.#metrics.take(options, this.#workers.slots, this.#maxWorkers);
  }

  /** `await using pool = new ThreadPoolExecutor()`: shutdown() at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  #submit(target: Target, args: unknown[], options: RunOptions | undefined, each: boolean): Future<unknown> {
    this.#refuseAfterShutdown(each ? 'map' : 'submit');
    if (!Array.isArray(args)) throw new TypeError(`Expected \`args\` to be an array, ${got(args)}`);
    const { signal, name } = validateOptionsObject(options, 'run()', RUN_KEYS) as RunOptions;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw new TypeError(`Expected \`signal\` to be an AbortSignal, ${got(signal)}`);
    if (name !== undefined && (typeof name !== 'string' || name === ''))
      throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(name)}`);
    if (this.#maxQueued !== Infinity && this.#dispatch.wouldWait() && this.#dispatch.waiting() >= this.#maxQueued) {
      throw new RangeError(
        `${this.#name} already has ${this.#dispatch.waiting()} tasks waiting for a worker, its \`maxQueued\`; wait for some to end, or raise maxQueued.`,
      );
    }
    const id = (this.#nextTask += 1);
    const taskName = name ?? `${this.#name} task ${id}`;
    const spec = this.#spec(target, taskName);
    const { encoded, served } = encodeTask(this.#backend, id, spec, args, each, taskName);
    const task = new Task(id, taskName, encoded, { signal, served, control: this.#control, count: this.#pool.count });
    const future = task.future;
    const broken = this.#workers.broken;
    if (broken !== undefined) {
      this.#end(task, { status: 'failed', error: broken });
      return future;
    }
    if (signal?.aborted) {
      task.cancel = { reason: signal.reason };
      this.#end(task, { status: 'cancelled', reason: signal.reason });
      return future;
    }
    if (signal !== undefined) this.#cancels.watch(task, signal);
    if (observing()) (task.trace = new RunTrace('pool-task', taskName, this.#name, task.submitTime)).queued();
    this.#dispatch.push(task);
    this.#lifetime.updateRefs();
    return future;
  }

  /** What every future of this pool asks of it, about its task. */
  readonly #control: FutureControl<Task> = {
    cancel: (task, reason) => this.#cancels.cancel(task, reason),
    stop: (task, graceMs) => this.#cancels.stop(task, graceMs, undefined),
    state: (task) => {
      // A thread worker claims a task in shared memory just before its target begins.
      if (task.state === 'offered' && task.cell !== undefined && task.slot?.transport.handover?.claimed(task.cell, task.id) === true)
        task.begin();
      return futureState(task.state);
    },
  };

  #refuseAfterShutdown(what: string): void {
    if (this.#lifetime.shuttingDown) {
      throw new ExecutorShutDownError(`Cannot ${what} on ${this.#name}: it was shut down. Create a new pool for new work.`);
    }
  }

  #spec(target: Target, owner: string): TargetSpec {
    if (typeof target === 'function') {
      let spec = specs.get(target);
      if (spec === undefined) specs.set(target, (spec = targetSpec(target, owner)));
      return spec;
    }
    return targetSpec(target, owner);
  }

  /** Settles a task's future, once, and counts it. */
  #end(task: Task, outcome: Outcome): void {
    if (task.state === 'ended') return;
    task.move('ended');
    this.#cancels.forget(task);
    // Its waits still pending end (aborted); the objects are the user's and stay as they are.
    void task.served?.close();
    this.#counts[outcome.status] += 1;
    this.#metrics.record(task);
    const trace = traceOf(task, this.#name);
    if (trace === undefined) settle(task.future, outcome, task.slot?.info);
    else endRun(trace, outcome, task.endedAt, () => settle(task.future, outcome, task.slot?.info));
  }
}

Object.defineProperty(Executor.prototype, Symbol.toStringTag, { value: 'Executor' });
// A pool anywhere in args is refused (walk.ts): it would arrive as an empty object and deadlock or fail obscurely.
Object.defineProperty(Executor.prototype, UNSENDABLE, {
  get(this: Executor) {
    return typeName(this);
  },
});
