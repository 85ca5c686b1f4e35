// The executor contract and its one implementation over any backend: queue, workers, futures, shutdown.

import { ExecutorShutDownError, TaskError, ThreadCrashedError, describe, got } from '../errors.js';
import { crashError } from '../internal/crash.js';
import { cloneFailure, unsendable } from '../internal/unsendable.js';
import { PoolServer } from '../shared/pool-serve.js';
import { ServedObjects } from '../shared/serve.js';
import { encodeArgs } from '../shared/transfer.js';
import { pools } from '../internal/live.js';
import { writeOutput } from '../internal/output.js';
import { assertNever, type FromThread, type TargetSpec, type ToThread } from '../internal/protocol.js';
import { rebuildThrown } from '../internal/serialize.js';
import type { Outcome } from '../internal/settlement.js';
import type { EncodedTask, ExitInfo, PoolLaunchSpec, PoolTransport, ResourceLimits, TransportHooks } from '../internal/transport/transport.js';
import { validateMs } from '../internal/validate.js';
import type { ArgsOf, ResultOf } from '../internal/lifecycle.js';
import { targetSpec, type Target } from '../task.js';
import { Future, writer } from './future.js';
import type { Job } from './job.js';
import { JobQueue } from './queue.js';
import { mapTasks, type MapOptions } from './map.js';
import { validateOptions, type ExecutorOptions } from './options.js';
import { WorkerSlot } from './worker-slot.js';

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
  readonly queued: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly terminated: number;
}

/** Target specs of functions, computed once per function. */
const specs = new WeakMap<object, TargetSpec>();

/**
 * Base of ThreadPoolExecutor and ProcessPoolExecutor: one pool, the backend behind `startWorker()`.
 * @internal Users create a ThreadPoolExecutor or a ProcessPoolExecutor.
 */
export abstract class Executor implements AsyncDisposable {
  readonly #name: string;
  readonly #maxWorkers: number;
  readonly #minWorkers: number;
  readonly #idleTimeoutMs: number;
  readonly #maxTasksPerWorker: number;
  readonly #maxQueued: number;
  readonly #graceMs: number;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #initializer: { target: TargetSpec; args: unknown[] } | undefined;

  readonly #slots = new Set<WorkerSlot>();
  /** Idle workers, the most recently used last (taken first: it is the warmest). */
  readonly #idle: WorkerSlot[] = [];
  /** Tasks waiting for a worker, in order (queue.ts). */
  readonly #queue = new JobQueue();
  #running = 0;
  #starting = 0;
  #nextTask = 0;
  #nextWorker = 0;
  #counts = { completed: 0, failed: 0, cancelled: 0, terminated: 0 };
  /** Why the pool is broken (a failed initializer): pending and later tasks fail with it. */
  #broken: ThreadCrashedError | undefined;
  #shutdown = false;
  #shutdownDone: Promise<void> | undefined;
  #markShutDown: (() => void) | undefined;
  /** Whether the workers are ref'd: only while there is work (queued or running) or a shutdown to finish. */
  #reffed = false;
  /** One abort listener per signal, however many tasks share it. */
  readonly #signals = new Map<AbortSignal, { jobs: Set<Job>; onAbort: () => void }>();

  constructor(options: ExecutorOptions | undefined, kind: string, defaultName: () => string) {
    const opts = validateOptions(options, kind);
    this.#maxWorkers = opts.maxWorkers;
    this.#minWorkers = opts.minWorkers;
    this.#idleTimeoutMs = opts.idleTimeoutMs;
    this.#maxTasksPerWorker = opts.maxTasksPerWorker;
    this.#maxQueued = opts.maxQueued;
    this.#graceMs = opts.graceMs;
    this.#resourceLimits = opts.resourceLimits;
    this.#name = opts.name ?? defaultName();
    this.#initializer =
      opts.initializer === undefined
        ? undefined
        : {
            target: this.#spec(opts.initializer, `the initializer of ${this.#name}`),
            // A process pool encodes them for each worker, which gets its own table of served objects (#spawn).
            args: kind === 'ThreadPoolExecutor' ? encodeArgs([...(opts.initArgs ?? [])], true, `the initializer of ${this.#name}`) : [...(opts.initArgs ?? [])],
          };
    pools.add(this);
    for (let i = 0; i < this.#minWorkers; i += 1) this.#spawn();
  }

  /** The pool's name; its workers are `<name>_<i>`. */
  get name(): string {
    return this.#name;
  }

  /** `{ workers, idle, busy, queued, completed, failed, cancelled, terminated }` at this moment. */
  get stats(): ExecutorStats {
    let busy = 0;
    for (const slot of this.#slots) if (slot.state === 'busy') busy += 1;
    return { workers: this.#slots.size, idle: this.#idle.length, busy, queued: this.#waiting(), ...this.#counts };
  }

  /** Tasks that have not begun: queued, and posted ahead to a busy worker. */
  #waiting(): number {
    let waiting = this.#queue.size;
    for (const slot of this.#slots) if (slot.next !== undefined) waiting += 1;
    return waiting;
  }

  /**
   * Queues `target(...args)` and returns its Future. The task starts at once on an idle worker,
   * on a new one when none is idle (up to maxWorkers), or when a worker is free.
   * @throws {ExecutorShutDownError} after shutdown() or stop().
   * @throws {TaskError} when an argument cannot be sent to a worker (it names it), or for a native or bound function.
   * @throws {TypeError} for a target that is none of the forms.
   * @throws {RangeError} when maxQueued tasks are already waiting.
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
  run<T extends Target>(target: T, args?: ArgsOf<T>, options: RunOptions = {}): Future<ResultOf<T>> {
    return this.#submit(target, args ?? ([]), options, false) as Future<ResultOf<T>>;
  }

  /**
   * Calls `target(item)` for each item of a sync or async iterable, in the pool, and yields the
   * results: in input order (`ordered`, default true) or as they end. Reads the input lazily
   * (nothing is submitted before the first iteration), keeps at most 2 × maxWorkers tasks (of
   * `chunkSize` items each, default 1) in flight, and cancels the rest when the loop is left early
   * or a task fails (its error is thrown from the loop). After shutdown() it yields what is in
   * flight, then throws ExecutorShutDownError.
   * @throws {ExecutorShutDownError} after shutdown() or stop().
   */
  map<T extends Target>(target: T, iterable: Iterable<ArgsOf<T>[0]> | AsyncIterable<ArgsOf<T>[0]>, options: MapOptions = {}): AsyncIterableIterator<ResultOf<T>> {
    this.#refuseAfterShutdown('map');
    this.#spec(target, `the target of ${this.#name}.map()`);
    return mapTasks(
      (items, each) => this.#submit(target, items, {}, each),
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
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (typeof options !== 'object' || options === null) throw new TypeError(`Expected \`options\` to be an object, ${got(options)}`);
    if (options.cancelFutures !== undefined && typeof options.cancelFutures !== 'boolean') {
      throw new TypeError(`Expected \`cancelFutures\` to be a boolean, ${got(options.cancelFutures)}`);
    }
    this.#shutdown = true;
    this.#shutdownDone ??= new Promise((resolve) => (this.#markShutDown = resolve));
    if (options.cancelFutures === true) {
      for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) this.#end(job, { status: 'cancelled', reason: undefined });
      for (const slot of [...this.#slots]) if (slot.next !== undefined) this.#cancelJob(slot.next, undefined);
    }
    this.#updateRefs();
    this.#checkShutdown();
    return this.#shutdownDone;
  }

  /**
   * Shuts down, cancels every task (the queued never run, the running get their cancel), waits up
   * to `graceMs` (default: the pool's) for the running ones, then terminates the workers still
   * busy. Resolves once every worker is gone. Idempotent.
   * @throws {RangeError} (rejects) when `graceMs` is not a finite number >= 0.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (options.graceMs !== undefined) validateMs(options.graceMs, 'graceMs', false);
    const done = this.shutdown({ cancelFutures: true });
    for (const slot of [...this.#slots]) {
      if (slot.next !== undefined) this.#stopJob(slot.next, options.graceMs, undefined);
      if (slot.job !== undefined) this.#stopJob(slot.job, options.graceMs, undefined);
    }
    await done;
  }

  /** `await using pool = new ThreadPoolExecutor()`: shutdown() at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** 'thread' or 'process', for messages. */
  protected abstract get where(): string;
  /** Starts one worker of the backend. */
  protected abstract startWorker(spec: PoolLaunchSpec, hooks: TransportHooks): PoolTransport;
  /** The task message as the backend sends it. Throws DataCloneError when it cannot be sent. */
  protected abstract encodeTask(message: Extract<ToThread, { kind: 'task' }>): EncodedTask;
  /** Whether one value can travel to this backend. */
  protected abstract sendable(value: unknown): boolean;

  #submit(target: Target, args: unknown[], options: RunOptions, each: boolean): Future<unknown> {
    this.#refuseAfterShutdown(each ? 'map' : 'submit');
    if (!Array.isArray(args)) throw new TypeError(`Expected \`args\` to be an array, ${got(args)}`);
    if (typeof options !== 'object' || options === null) throw new TypeError(`Expected \`options\` to be an object, ${got(options)}`);
    const { signal, name } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`Expected \`signal\` to be an AbortSignal, ${got(signal)}`);
    if (name !== undefined && (typeof name !== 'string' || name === '')) throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(name)}`);
    if (this.#maxQueued !== Infinity && this.#idle.length === 0 && this.#waiting() >= this.#maxQueued) {
      throw new RangeError(`${this.#name} already has ${this.#waiting()} tasks queued, its \`maxQueued\`; wait for some to end, or raise maxQueued.`);
    }
    const id = (this.#nextTask += 1);
    const taskName = name ?? `${this.#name} task ${id}`;
    const spec = this.#spec(target, taskName);
    let encoded: EncodedTask;
    let served: ServedObjects | undefined;
    try {
      refuseExecutors(args, taskName);
      // Shared objects travel as markers of their memory (src/shared/transfer.ts); to a process pool,
      // as ids of objects this process serves while the task runs (src/shared/pool-serve.ts).
      served = this.where === 'thread' ? undefined : new ServedObjects(taskName);
      const sent = encodeArgs(args, served ?? true, taskName);
      if (served?.size === 0) served = undefined;
      encoded = this.encodeTask({ kind: 'task', id, target: spec, args: sent, ...(each ? { each: true } : {}) });
    } catch (error) {
      if (error instanceof TaskError) throw error;
      // A clone failure names the argument; so does an argument whose getter threw while it was read.
      const failure = error instanceof Error && error.name === 'DataCloneError' ? error : cloneFailure(error);
      throw unsendable(failure, args, (value) => this.sendable(value), taskName, this.where, 'its arguments');
    }
    const job: Job = {
      id,
      future: undefined as unknown as Future<unknown>,
      writer: undefined as never,
      encoded,
      slot: undefined,
      dequeued: false,
      began: false,
      cancel: undefined,
      graceTimer: undefined,
      signal,
      served,
    };
    const future = new Future<unknown>(taskName, {
      cancel: (reason) => this.#cancelJob(job, reason),
      stop: (graceMs) => this.#stopJob(job, graceMs, undefined),
      refresh: () => {
        // A thread worker claims a task in shared memory just before its target begins.
        if (!job.began && job.slot?.transport.handover?.claimed(job.id) === true) this.#began(job);
      },
    });
    (job as { future: Future<unknown> }).future = future;
    (job as { writer: unknown }).writer = writer(future);
    if (this.#broken !== undefined) {
      job.dequeued = true;
      this.#end(job, { status: 'failed', error: this.#broken });
      return future;
    }
    if (signal?.aborted) {
      job.dequeued = true;
      job.cancel = { reason: signal.reason };
      this.#end(job, { status: 'cancelled', reason: signal.reason });
      return future;
    }
    if (signal !== undefined) this.#watchSignal(job, signal);
    this.#queue.push(job);
    this.#dispatch();
    this.#updateRefs();
    return future;
  }

  #refuseAfterShutdown(what: string): void {
    if (this.#shutdown) {
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

  // --- dispatch --------------------------------------------------------------------------------

  /**
   * Gives queued tasks to idle workers, then (thread workers) one more to each busy worker that
   * has none waiting, so it begins without a round trip; starts workers for what is still queued.
   */
  #dispatch(): void {
    while (this.#queue.size > 0 && this.#idle.length > 0) {
      const slot = this.#idle.pop()!;
      const job = this.#queue.shift()!;
      clearTimeout(slot.idleTimer);
      slot.move('busy');
      slot.job = job;
      this.#give(slot, job);
    }
    // Not while a worker is starting: it takes what is queued.
    if (this.#queue.size > 0 && this.#slots.size >= this.#maxWorkers && this.#starting === 0) {
      for (const slot of this.#slots) {
        if (this.#queue.size === 0) break;
        // One offer at a time in the NEXT slot: only once the current task has been claimed (it began).
        if (slot.state !== 'busy' || slot.job?.began !== true || slot.next !== undefined || slot.transport.handover === undefined) continue;
        if (slot.terminating) continue;
        if (slot.tasks + 2 > this.#maxTasksPerWorker) continue;
        const job = this.#queue.shift()!;
        slot.next = job;
        this.#give(slot, job);
      }
    }
    if (this.#broken !== undefined) return;
    while (this.#queue.size > this.#starting && this.#slots.size < this.#maxWorkers) this.#spawn();
  }

  #give(slot: WorkerSlot, job: Job): void {
    job.slot = slot;
    this.#running += 1;
    slot.server?.begin(job.served);
    slot.transport.handover?.offer(job.id);
    slot.transport.post(job.encoded);
  }

  /** A task handed to a worker that had not begun goes back to the front of the queue (its worker died). */
  #requeue(job: Job): void {
    job.slot = undefined;
    this.#running -= 1;
    this.#queue.unshift(job);
  }

  // --- workers -------------------------------------------------------------------------------

  #spawn(): void {
    const slot = new WorkerSlot(`${this.#name}_${this.#nextWorker++}`);
    this.#slots.add(slot);
    this.#starting += 1;
    let initializer = this.#initializer;
    if (this.where !== 'thread') {
      // A process-pool worker's shared objects are served by this process, its initializer's for its whole life.
      let init: ServedObjects | undefined;
      if (initializer !== undefined) {
        init = new ServedObjects(`the initializer of ${slot.name}`);
        initializer = { target: initializer.target, args: encodeArgs(initializer.args, init, `the initializer of ${this.#name}`) };
      }
      slot.server = new PoolServer(init !== undefined && init.size > 0 ? init : undefined);
    }
    const hooks: TransportHooks = { message: (m) => this.#onMessage(slot, m), exit: (e) => this.#onExit(slot, e) };
    slot.transport = this.startWorker(
      {
        info: { name: slot.name, daemon: true, isMain: false },
        initializer,
        served: slot.server,
        // A worker registers tsx when it first imports a TypeScript module (bootstrap.ts), not at its start.
        typescript: false,
        daemon: true,
        resourceLimits: this.#resourceLimits,
      },
      hooks,
    );
    if (this.#reffed) slot.transport.ref();
  }

  #onMessage(slot: WorkerSlot, message: FromThread): void {
    switch (message.kind) {
      case 'output':
        writeOutput(message.stream, message.chunk);
        return;
      case 'serving':
        if (slot.state !== 'starting') return;
        this.#starting -= 1;
        this.#idleNow(slot);
        return;
      case 'init-failed':
        this.#breakPool(slot, rebuildThrown(message.error));
        return;
      case 'running': {
        const job = slot.job;
        if (job?.id !== message.id) return;
        if (!job.began) this.#began(job);
        if (this.#queue.size > 0) this.#dispatch();
        return;
      }
      case 'completed':
      case 'failed':
      case 'cancelled':
        this.#onEnding(slot, message);
        return;
      case 'exit-called':
        if (slot.job?.id === message.id) slot.exitCalled = message.code;
        return;
      case 'child':
        // A negative pid stands for the child's process group, as for process.kill().
        if (message.alive) slot.children.add(message.group === true ? -message.pid : message.pid);
        else slot.children.delete(message.group === true ? -message.pid : message.pid);
        return;
      case 'ready':
        return;
      default:
        assertNever(message);
    }
  }

  /** The job's target has begun: its future is running (cancelling, when cancel() came first). */
  #began(job: Job): void {
    job.began = true;
    job.writer.begin();
    if (job.cancel !== undefined) job.writer.cancelling();
  }

  #onEnding(slot: WorkerSlot, message: Extract<FromThread, { kind: 'completed' | 'failed' | 'cancelled' }>): void {
    const job = slot.job;
    // After terminate() the worker's exit decides ('terminated'), as for a Thread.
    if (job === undefined || job.id !== message.id || slot.terminating) return;
    const outcome: Outcome =
      message.kind === 'completed'
        ? { status: 'completed', value: message.value }
        : message.kind === 'failed'
          ? { status: 'failed', error: rebuildThrown(message.error) }
          : { status: 'cancelled', reason: job.cancel?.reason };
    slot.job = slot.next;
    slot.next = undefined;
    slot.tasks += 1;
    this.#running -= 1;
    this.#end(job, outcome);
    if (message.retire !== undefined) {
      slot.move('retiring'); // it exits by itself; its next task, if any, goes back to the queue then
    } else if (slot.tasks >= this.#maxTasksPerWorker) {
      slot.move('retiring');
      slot.terminate();
    } else if (slot.job === undefined) {
      this.#idleNow(slot);
    }
    this.#dispatch();
    this.#updateRefs();
    this.#checkShutdown();
  }

  #idleNow(slot: WorkerSlot): void {
    if (this.#queue.size === 0 && this.#steal(slot)) return;
    slot.move('idle');
    this.#idle.push(slot);
    if (this.#shutdown && this.#queue.size === 0) return this.#checkShutdown();
    if (this.#slots.size > this.#minWorkers && Number.isFinite(this.#idleTimeoutMs)) {
      slot.idleTimer = setTimeout(() => {
        if (slot.state !== 'idle' || this.#slots.size <= this.#minWorkers) return;
        this.#retire(slot);
      }, this.#idleTimeoutMs);
      slot.idleTimer.unref();
    }
    this.#dispatch();
  }

  /**
   * A worker with nothing to do takes a task posted ahead to a busy one that has not claimed it
   * (withdrawn in one compare-exchange), so no task waits behind a long one while a worker idles.
   */
  #steal(slot: WorkerSlot): boolean {
    for (const other of this.#slots) {
      const job = other.next;
      if (other === slot || job === undefined || other.transport.handover?.withdraw(job.id) !== true) continue;
      other.next = undefined;
      this.#running -= 1;
      clearTimeout(slot.idleTimer);
      if (slot.state === 'starting') slot.move('idle');
      if (slot.state === 'idle') slot.move('busy');
      slot.job = job;
      this.#give(slot, job);
      return true;
    }
    return false;
  }

  /** Ends an idle or starting worker the pool no longer needs. */
  #retire(slot: WorkerSlot): void {
    if (slot.state === 'idle') this.#idle.splice(this.#idle.indexOf(slot), 1);
    if (slot.state === 'starting') this.#starting -= 1;
    slot.move('retiring');
    slot.terminate();
  }

  #onExit(slot: WorkerSlot, exit: ExitInfo): void {
    const was = slot.state;
    if (was === 'gone') return;
    clearTimeout(slot.idleTimer);
    if (was === 'idle') this.#idle.splice(this.#idle.indexOf(slot), 1);
    if (was === 'starting') this.#starting -= 1;
    slot.move('gone');
    this.#slots.delete(slot);
    for (const pid of slot.children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // A task posted ahead that the dead worker never claimed runs elsewhere.
    const next = slot.next;
    slot.next = undefined;
    if (next !== undefined && slot.transport.handover?.withdraw(next.id) === true) this.#requeue(next);
    const job = slot.job;
    slot.job = undefined;
    // A thread worker hands over through the flag: withdrawn, the task never began. A child process
    // sends 'running' before the target begins and all its messages arrive before its exit: a task
    // whose 'running' never came never began (once: a task whose loading kills its worker fails).
    const neverBegan = job !== undefined && !job.began && (slot.transport.handover === undefined ? job.requeued !== true : slot.transport.handover.withdraw(job.id));
    if (job !== undefined && neverBegan) {
      if (slot.transport.handover === undefined) job.requeued = true;
      this.#requeue(job);
    } else if (job !== undefined) {
      this.#running -= 1;
      this.#end(
        job,
        slot.terminating ? { status: 'terminated' } : { status: 'failed', error: crashError(slot.name, exit, { exitCalled: slot.exitCalled, began: job.began }) },
      );
    } else if (was === 'starting' && !slot.terminating && this.#broken === undefined) {
      this.#breakPool(slot, crashError(slot.name, exit, { exitCalled: undefined, began: false }));
    }
    if (!this.#shutdown) while (this.#broken === undefined && this.#slots.size < this.#minWorkers) this.#spawn();
    this.#dispatch();
    this.#updateRefs();
    this.#checkShutdown();
  }

  /** A worker could not be made ready: pending and later tasks fail, running ones finish, no worker starts again. */
  #breakPool(slot: WorkerSlot, cause: unknown): void {
    if (this.#broken !== undefined) return;
    this.#broken = new ThreadCrashedError(
      `${this.#name} is broken: ${slot.name} could not be made ready (${describe(cause)}). ` +
        'Its pending and later tasks fail; fix the initializer (or what stops a worker from starting) and create a new pool.',
      { cause },
    );
    for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) this.#end(job, { status: 'failed', error: this.#broken });
    for (const other of [...this.#slots]) {
      const next = other.next;
      if (next !== undefined && other.transport.handover?.withdraw(next.id) === true) {
        other.next = undefined;
        this.#running -= 1;
        this.#end(next, { status: 'failed', error: this.#broken });
      }
      if (other.state === 'starting' || other.state === 'idle') this.#retire(other);
    }
  }

  // --- cancel, stop, signals --------------------------------------------------------------------

  #cancelJob(job: Job, reason: unknown): void {
    if (job.future.done()) return;
    if (!job.dequeued) {
      // Still queued: it never runs, and ends now.
      this.#queue.remove(job);
      job.cancel = { reason };
      this.#end(job, { status: 'cancelled', reason });
      this.#updateRefs();
      this.#checkShutdown();
      return;
    }
    if (job.cancel !== undefined || job.slot === undefined) return;
    const slot = job.slot;
    job.cancel = { reason };
    if (!job.began && slot.transport.handover?.withdraw(job.id) === true) {
      // Handed to a thread worker but not claimed: it never begins, and ends now.
      if (slot.next === job) slot.next = undefined;
      else if (slot.job === job) {
        slot.job = slot.next;
        slot.next = undefined;
        if (slot.job === undefined && slot.state === 'busy') this.#idleNow(slot);
      }
      this.#running -= 1;
      this.#end(job, { status: 'cancelled', reason });
      this.#dispatch();
      this.#updateRefs();
      this.#checkShutdown();
      return;
    }
    // On its worker: through its flag (a child's target that has not begun never begins).
    if (job.began) job.writer.cancelling();
    slot.transport.cancel(job.id, reason);
  }

  #stopJob(job: Job, graceMs: number | undefined, reason: unknown): void {
    this.#cancelJob(job, reason);
    const slot = job.slot;
    if (job.future.done() || slot === undefined || job.graceTimer !== undefined) return;
    job.graceTimer = setTimeout(() => {
      if (slot.job === job) slot.terminate();
    }, graceMs ?? this.#graceMs);
  }

  #watchSignal(job: Job, signal: AbortSignal): void {
    let entry = this.#signals.get(signal);
    if (entry === undefined) {
      const jobs = new Set<Job>();
      const onAbort = () => {
        this.#signals.delete(signal);
        for (const each of jobs) this.#stopJob(each, undefined, signal.reason);
      };
      entry = { jobs, onAbort };
      this.#signals.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.jobs.add(job);
  }

  #unwatchSignal(job: Job): void {
    const signal = job.signal;
    if (signal === undefined) return;
    const entry = this.#signals.get(signal);
    if (entry === undefined) return;
    entry.jobs.delete(job);
    if (entry.jobs.size === 0) {
      signal.removeEventListener('abort', entry.onAbort);
      this.#signals.delete(signal);
    }
  }

  /** Settles a job's future, once, and counts it. */
  #end(job: Job, outcome: Outcome): void {
    if (job.future.done()) return;
    clearTimeout(job.graceTimer);
    this.#unwatchSignal(job);
    // Its waits still pending end (aborted); the objects are the user's and stay as they are.
    void job.served?.close();
    this.#counts[outcome.status] += 1;
    job.writer.settle(outcome, job.slot?.info);
  }

  // --- exit semantics and shutdown --------------------------------------------------------------

  /** The workers hold the program open only while there is work, or a shutdown waits for them. */
  #updateRefs(): void {
    const hold = this.#queue.size > 0 || this.#running > 0 || (this.#shutdownDone !== undefined && this.#slots.size > 0);
    if (hold === this.#reffed) return;
    this.#reffed = hold;
    for (const slot of this.#slots) {
      if (hold) slot.transport.ref();
      else slot.transport.unref();
    }
  }

  #checkShutdown(): void {
    if (!this.#shutdown || this.#queue.size > 0 || this.#running > 0) return;
    for (const slot of [...this.#slots]) if (slot.state === 'idle' || slot.state === 'starting') this.#retire(slot);
    if (this.#slots.size === 0) {
      pools.delete(this);
      this.#reffed = false;
      this.#markShutDown?.();
    }
  }
}

Object.defineProperty(Executor.prototype, Symbol.toStringTag, { value: 'Executor' });

/** A pool or a future cannot travel to a worker: it would arrive as an empty object and deadlock or fail obscurely. */
function refuseExecutors(args: unknown[], taskName: string): void {
  args.forEach((arg, index) => {
    // At the top level and one level down in arrays and plain objects (a deeper one is not looked for).
    const inside: unknown[] = Array.isArray(arg) ? (arg as unknown[]) : isPlainObject(arg) ? Object.values(arg) : [];
    const found = [arg, ...inside].find((value) => value instanceof Executor || value instanceof Future);
    if (found !== undefined) {
      const what = found instanceof Future ? 'a Future' : `a ${(found as object).constructor.name}`;
      throw new TaskError(
        `Cannot start ${taskName}: args[${index}] is or holds ${what}, which cannot be sent to a worker. ` +
          'A task cannot use the pool it runs in: create a pool inside the task, or return what should be submitted next and submit it here.',
      );
    }
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
