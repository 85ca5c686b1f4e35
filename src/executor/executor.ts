// The executor contract and its one implementation over any backend: queue, workers, futures, shutdown.

import { ExecutorShutDownError, TaskError, ThreadCrashedError, describe, got } from '../errors.js';
import { crashError } from '../internal/crash.js';
import { cloneFailure, typeName, unsendable } from '../internal/unsendable.js';
import { PoolServer } from '../shared/pool-serve.js';
import { ServedObjects } from '../shared/serve.js';
import { encodeArgs } from '../shared/transfer.js';
import { UNSENDABLE } from '../shared/walk.js';
import { pools } from '../internal/live.js';
import { writeOutput } from '../internal/output.js';
import { assertNever, type FromThread, type TargetSpec, type ToThread } from '../internal/protocol.js';
import { rebuildThrown } from '../internal/serialize.js';
import type { Outcome } from '../internal/settlement.js';
import type {
  EncodedTask,
  ExitInfo,
  PoolLaunchSpec,
  PoolTransport,
  ResourceLimits,
  TransportHooks,
} from '../internal/transport/transport.js';
import { clearLongTimeout, longTimeout } from '../internal/timers.js';
import { validateBoolean, validateMs, validateOptions as validateOptionsObject } from '../internal/validate.js';
import type { ArgsOf, ResultOf } from '../internal/lifecycle.js';
import { targetSpec, type Target } from '../task.js';
import { settle, type Future, type FutureControl } from './future.js';
import { TaskQueue } from './queue.js';
import { Task, futureState, type TaskCount } from './task-state.js';
import { mapTasks, type MapOptions } from './map.js';
import { validateOptions, type ExecutorOptions } from './options.js';
import { WorkerSlot as Slot } from './worker-slot.js';

export type { ExecutorOptions };

/** A worker of this pool, running Tasks. */
type WorkerSlot = Slot<Task>;

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

/** A pool's initializer, its args copied; a process pool's shared objects in them are markers of `served`. */
interface Initializer {
  readonly target: TargetSpec;
  readonly args: unknown[];
  readonly served: ServedObjects | undefined;
}

const RUN_KEYS = new Set(['signal', 'name']);
const SHUTDOWN_KEYS = new Set(['cancelFutures']);
const STOP_KEYS = new Set(['graceMs']);

/** Target specs of functions, computed once per function. */
const specs = new WeakMap<object, TargetSpec>();

/** Tasks at most on their way to one worker thread at once: its current one and those posted ahead. */
const DEPTH = 32;
/** A busy worker thread is given more once it has this many or fewer on their way (so they go in batches). */
const REFILL = DEPTH / 2;

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
  /**
   * The initializer and a copy of its args made in the constructor. A process pool's shared objects
   * in them are markers of `served`, a table each worker forks (its own, with the same ids).
   */
  readonly #initializer: Initializer | undefined;

  readonly #slots = new Set<WorkerSlot>();
  /** Idle workers, the most recently used last (taken first: it is the warmest). */
  readonly #idle: WorkerSlot[] = [];
  /** Tasks waiting for a worker, in order (queue.ts). */
  readonly #queue = new TaskQueue();
  /** Tasks on a worker (offered, running, cancelling), counted by Task#move. */
  readonly #count: TaskCount = { onWorkers: 0 };
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
  /** Lets the workers go once the pool has stayed idle for a turn of the event loop (#updateRefs). */
  #letGo: NodeJS.Immediate | undefined;
  /** One abort listener per signal, however many tasks share it. */
  readonly #signals = new Map<AbortSignal, { tasks: Set<Task>; onAbort: () => void }>();

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
    this.#initializer = opts.initializer === undefined ? undefined : this.#initArgs(opts.initializer, opts.initArgs ?? []);
    pools.add(this);
    for (let i = 0; i < this.#minWorkers; i += 1) this.#spawn();
  }

  /**
   * The initializer and its args, copied now (API.md §12): later changes to them are not seen by
   * any worker, and what cannot be sent is refused here, before anything starts.
   * @throws {TaskError} naming `initArgs[i]` when it cannot be sent (or holds a pool or a Future).
   */
  #initArgs(initializer: Target, initArgs: unknown[]): Initializer {
    const who = `the initializer of ${this.#name}`;
    const target = this.#spec(initializer, who);
    // Shared objects travel as markers of their memory (threads) or of this process's served ids (processes).
    const served = this.where === 'thread' ? undefined : new ServedObjects(who);
    let args: unknown[];
    try {
      args = this.copyArgs(encodeArgs([...initArgs], served ?? true, who, 'initArgs'));
    } catch (error) {
      if (error instanceof TaskError) throw error;
      const failure = error instanceof Error && error.name === 'DataCloneError' ? error : cloneFailure(error);
      throw unsendable(failure, initArgs, (value) => this.sendable(value), who, this.where, 'its initArgs', 'initArgs');
    }
    return { target, args, served: served !== undefined && served.size > 0 ? served : undefined };
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

  /**
   * Tasks waiting for a worker (what `maxQueued` bounds and `stats.queued` shows): those queued
   * beyond the ones the starting workers will take (each was started for one), and those posted
   * ahead to a busy worker.
   */
  #waiting(): number {
    let waiting = Math.max(0, this.#queue.size - this.#starting);
    for (const slot of this.#slots) waiting += slot.ahead.length;
    return waiting;
  }

  /** Whether a task submitted now would wait for a worker: no idle one, none starting free for it, none to start (a broken pool fails it at once). */
  #wouldWait(): boolean {
    return (
      this.#broken === undefined && this.#idle.length === 0 && this.#queue.size >= this.#starting && this.#slots.size >= this.#maxWorkers
    );
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
   * (nothing is submitted before the first iteration), keeps at most 2 × maxWorkers tasks (of
   * `chunkSize` items each, default 1) in flight, and cancels the rest when the loop is left early
   * or a task fails (its error is thrown from the loop). After shutdown() it yields what is in
   * flight, then throws ExecutorShutDownError.
   * @throws {ExecutorShutDownError} after shutdown() or stop().
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
    this.#shutdown = true;
    this.#shutdownDone ??= new Promise((resolve) => (this.#markShutDown = resolve));
    if (cancelFutures === true) {
      for (let task = this.#queue.shift(); task !== undefined; task = this.#queue.shift())
        this.#end(task, { status: 'cancelled', reason: undefined });
      for (const slot of [...this.#slots]) for (const task of [...slot.ahead]) this.#cancelTask(task, undefined);
    }
    this.#updateRefs();
    this.#checkShutdown();
    return this.#shutdownDone;
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
    for (const slot of [...this.#slots]) {
      for (const task of [...slot.ahead]) this.#stopTask(task, graceMs, undefined);
      if (slot.task !== undefined) this.#stopTask(slot.task, graceMs, undefined);
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
  /** A copy of `args` as a worker of this backend receives them. Throws DataCloneError when one cannot be sent. */
  protected abstract copyArgs(args: readonly unknown[]): unknown[];

  #submit(target: Target, args: unknown[], options: RunOptions | undefined, each: boolean): Future<unknown> {
    this.#refuseAfterShutdown(each ? 'map' : 'submit');
    if (!Array.isArray(args)) throw new TypeError(`Expected \`args\` to be an array, ${got(args)}`);
    const { signal, name } = validateOptionsObject(options, 'run()', RUN_KEYS) as RunOptions;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw new TypeError(`Expected \`signal\` to be an AbortSignal, ${got(signal)}`);
    if (name !== undefined && (typeof name !== 'string' || name === ''))
      throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(name)}`);
    if (this.#maxQueued !== Infinity && this.#wouldWait() && this.#waiting() >= this.#maxQueued) {
      throw new RangeError(
        `${this.#name} already has ${this.#waiting()} tasks waiting for a worker, its \`maxQueued\`; wait for some to end, or raise maxQueued.`,
      );
    }
    const id = (this.#nextTask += 1);
    const taskName = name ?? `${this.#name} task ${id}`;
    const spec = this.#spec(target, taskName);
    let encoded: EncodedTask;
    let served: ServedObjects | undefined;
    try {
      // Primitive args need no walk (the tiny tasks' fast path); the others are walked for shared
      // objects, pools and Futures, and copied now (encodeTask): a later change is not seen (API.md §12).
      const primitive = allPrimitive(args);
      // Shared objects travel as markers of their memory (src/shared/transfer.ts); to a process pool,
      // as ids of objects this process serves while the task runs (src/shared/pool-serve.ts).
      served = primitive || this.where === 'thread' ? undefined : new ServedObjects(taskName);
      const sent = primitive ? args : encodeArgs(args, served ?? true, taskName);
      if (served?.size === 0) served = undefined;
      encoded = this.encodeTask({ kind: 'task', id, target: spec, args: sent, ...(each ? { each: true } : {}) });
    } catch (error) {
      if (error instanceof TaskError) throw error;
      // A clone failure names the argument; so does an argument whose getter threw while it was read.
      const failure = error instanceof Error && error.name === 'DataCloneError' ? error : cloneFailure(error);
      throw unsendable(failure, args, (value) => this.sendable(value), taskName, this.where, 'its arguments');
    }
    const task = new Task(id, taskName, encoded, { signal, served, control: this.#control, count: this.#count });
    const future = task.future;
    if (this.#broken !== undefined) {
      this.#end(task, { status: 'failed', error: this.#broken });
      return future;
    }
    if (signal?.aborted) {
      task.cancel = { reason: signal.reason };
      this.#end(task, { status: 'cancelled', reason: signal.reason });
      return future;
    }
    if (signal !== undefined) this.#watchSignal(task, signal);
    this.#queue.push(task);
    this.#dispatch();
    this.#updateRefs();
    return future;
  }

  /** What every future of this pool asks of it, about its task. */
  readonly #control: FutureControl<Task> = {
    cancel: (task, reason) => this.#cancelTask(task, reason),
    stop: (task, graceMs) => this.#stopTask(task, graceMs, undefined),
    state: (task) => {
      // A thread worker claims a task in shared memory just before its target begins.
      if (task.state === 'offered' && task.cell !== undefined && task.slot?.transport.handover?.claimed(task.cell, task.id) === true)
        this.#began(task);
      return futureState(task.state);
    },
  };

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
   * Gives queued tasks to idle workers, then (thread workers) more to each busy worker that has
   * few on their way, round-robin, up to DEPTH each, so that they begin without a round trip; starts
   * workers for what is still queued. What it gives goes out at once, one message per worker.
   */
  #dispatch(): void {
    while (this.#queue.size > 0 && this.#idle.length > 0) {
      const slot = this.#idle.pop()!;
      const task = this.#queue.shift()!;
      clearLongTimeout(slot.idleTimer);
      slot.move('busy');
      slot.task = task;
      this.#give(slot, task);
    }
    // Not while a worker is starting: it takes what is queued.
    if (this.#queue.size > 0 && this.#slots.size >= this.#maxWorkers && this.#starting === 0) {
      const takers: WorkerSlot[] = [];
      for (const slot of this.#slots) {
        if (slot.state !== 'busy' || slot.terminating || slot.transport.handover === undefined) continue;
        if (1 + slot.ahead.length <= REFILL) takers.push(slot);
      }
      for (let gave = true; gave && this.#queue.size > 0;) {
        gave = false;
        for (const slot of takers) {
          const onTheirWay = 1 + slot.ahead.length;
          if (onTheirWay >= DEPTH || slot.tasks + onTheirWay + 1 > this.#maxTasksPerWorker || slot.cells.length === 0) continue;
          const task = this.#queue.shift();
          if (task === undefined) break;
          slot.ahead.push(task);
          this.#give(slot, task);
          gave = true;
        }
      }
    }
    this.#post();
    if (this.#broken !== undefined) return;
    while (this.#queue.size > this.#starting && this.#slots.size < this.#maxWorkers) this.#spawn();
  }

  /** Slots with tasks given and not yet posted. */
  readonly #unposted: WorkerSlot[] = [];

  /** Hands `task` to `slot`'s worker (it is offered): in a free handover cell (threads), posted by the next #post(). */
  #give(slot: WorkerSlot, task: Task): void {
    task.slot = slot;
    task.move('offered');
    slot.server?.begin(task.served);
    const handover = slot.transport.handover;
    if (handover !== undefined) {
      task.cell = slot.cells.pop()!;
      handover.offer(task.cell, task.id);
    }
    if (slot.outbox.length === 0) this.#unposted.push(slot);
    slot.outbox.push(task);
  }

  /** Posts what was given, one message per worker. A task withdrawn in the meantime is not sent. */
  #post(): void {
    for (let slot = this.#unposted.pop(); slot !== undefined; slot = this.#unposted.pop()) {
      const tasks = [];
      for (const task of slot.outbox)
        if (task.slot === slot && task.state === 'offered') tasks.push({ encoded: task.encoded, cell: task.cell });
      slot.outbox.length = 0;
      if (tasks.length > 0 && slot.state !== 'gone') slot.transport.post(tasks);
    }
  }

  /** Gives `task`'s handover cell back to its worker's slot (it left the worker: ended, withdrawn, requeued). */
  #freeCell(slot: WorkerSlot, task: Task): void {
    if (task.cell === undefined) return;
    slot.cells.push(task.cell);
    task.cell = undefined;
  }

  /**
   * Takes an offered task back from its thread worker's handover cell before the worker claims it
   * (it is withdrawn, its cell free). False when it is not offered there, or was claimed: its target has begun.
   */
  #withdraw(slot: WorkerSlot, task: Task): boolean {
    if (task.state !== 'offered' || task.cell === undefined || slot.transport.handover?.withdraw(task.cell, task.id) !== true) return false;
    this.#freeCell(slot, task);
    task.move('withdrawn');
    return true;
  }

  /** A task handed to a worker that had not begun goes back to the front of the queue (its worker died). */
  #requeue(task: Task): void {
    if (task.slot !== undefined) this.#freeCell(task.slot, task);
    task.slot = undefined;
    task.move('queued');
    this.#queue.unshift(task);
  }

  // --- workers -------------------------------------------------------------------------------

  #spawn(): void {
    const slot = new Slot<Task>(`${this.#name}_${this.#nextWorker++}`);
    this.#slots.add(slot);
    this.#starting += 1;
    const initializer = this.#initializer;
    if (this.where !== 'thread') {
      // A process-pool worker's shared objects are served by this process, its initializer's for its whole life.
      slot.server = new PoolServer(initializer?.served?.fork(`the initializer of ${slot.name}`));
    }
    const hooks: TransportHooks = { message: (m) => this.#onMessage(slot, m), exit: (e) => this.#onExit(slot, e) };
    const spec: PoolLaunchSpec = {
      info: { name: slot.name, daemon: true, isMain: false },
      initializer: initializer && { target: initializer.target, args: initializer.args },
      served: slot.server,
      // A worker registers tsx when it first imports a TypeScript module (bootstrap.ts), not at its start.
      typescript: false,
      daemon: true,
      resourceLimits: this.#resourceLimits,
    };
    try {
      slot.transport = this.startWorker(spec, hooks);
    } catch (error) {
      // Not expected (the initArgs were copied in the constructor); were it to happen, it is a
      // worker that could not start, reported as its exit, and never a slot without a transport.
      slot.transport = { ident: null, cancel() {}, terminate() {}, ref() {}, unref() {}, post() {} };
      setImmediate(() => hooks.exit({ exitCode: null, signal: null, error }));
    }
    for (let cell = (slot.transport.handover?.cells ?? 0) - 1; cell >= 0; cell -= 1) slot.cells.push(cell);
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
        const task = slot.task;
        if (task?.id !== message.id) return;
        if (task.state === 'offered') this.#began(task);
        return;
      }
      case 'completed':
      case 'failed':
      case 'cancelled':
        this.#onEnding(slot, message);
        return;
      case 'exit-called':
        if (slot.task?.id === message.id) slot.exitCalled = message.code;
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

  /** The offered task's target has begun: it is running (cancelling, when cancel() came first). */
  #began(task: Task): void {
    task.move('running');
    if (task.cancel !== undefined) task.move('cancelling');
  }

  #onEnding(slot: WorkerSlot, message: Extract<FromThread, { kind: 'completed' | 'failed' | 'cancelled' }>): void {
    const task = slot.task;
    // After terminate() the worker's exit decides ('terminated'), as for a Thread.
    if (task === undefined || task.id !== message.id || slot.terminating) return;
    const outcome: Outcome =
      message.kind === 'completed'
        ? { status: 'completed', value: message.value }
        : message.kind === 'failed'
          ? { status: 'failed', error: rebuildThrown(message.error) }
          : { status: 'cancelled', reason: task.cancel?.reason };
    this.#freeCell(slot, task);
    slot.task = slot.ahead.shift();
    slot.tasks += 1;
    this.#end(task, outcome);
    if (message.retire !== undefined) {
      slot.move('retiring'); // it exits by itself; its next task, if any, goes back to the queue then
    } else if (slot.tasks >= this.#maxTasksPerWorker) {
      slot.move('retiring');
      slot.terminate();
    } else if (slot.task === undefined) {
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
    if (this.#slots.size > this.#minWorkers && this.#idleTimeoutMs !== Infinity) {
      slot.idleTimer = longTimeout(() => {
        if (slot.state !== 'idle' || this.#slots.size <= this.#minWorkers) return;
        this.#retire(slot);
      }, this.#idleTimeoutMs).unref();
    }
    this.#dispatch();
  }

  /**
   * A worker with nothing to do takes a task posted ahead to a busy one that has not claimed it
   * (withdrawn in one compare-exchange), so no task waits behind a long one while a worker idles.
   */
  #steal(slot: WorkerSlot): boolean {
    for (const other of this.#slots) {
      const task = other.ahead[0];
      if (other === slot || task === undefined || !this.#withdraw(other, task)) continue;
      other.ahead.shift();
      clearLongTimeout(slot.idleTimer);
      if (slot.state === 'starting') slot.move('idle');
      if (slot.state === 'idle') slot.move('busy');
      slot.task = task;
      this.#give(slot, task);
      this.#post();
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
    clearLongTimeout(slot.idleTimer);
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
    // The tasks posted ahead that the dead worker never claimed run elsewhere, in their order. (It
    // claims one only after the one before ended, and all its endings arrive before its exit: none is claimed.)
    const handover = slot.transport.handover;
    for (let i = slot.ahead.length - 1; i >= 0; i -= 1) {
      const next = slot.ahead[i]!;
      if (this.#withdraw(slot, next)) this.#requeue(next);
      else this.#end(next, { status: 'failed', error: crashError(slot.name, exit, { exitCalled: undefined, began: true }) });
    }
    slot.ahead.length = 0;
    const task = slot.task;
    slot.task = undefined;
    // A thread worker hands over through its handover: withdrawn, the task never began; not, it had
    // begun. A child process sends 'running' before the target begins and all its messages arrive
    // before its exit: a task still offered never began (requeued once: a task whose loading kills
    // its worker fails).
    const neverBegan =
      task !== undefined && (handover !== undefined ? this.#withdraw(slot, task) : task.state === 'offered' && !task.requeued);
    if (task !== undefined && neverBegan && task.cancel !== undefined) {
      // Cancelled (or stopped) before its target began: it ends so, with the first cancel's reason, and never runs elsewhere.
      this.#end(task, { status: 'cancelled', reason: task.cancel.reason });
    } else if (task !== undefined && neverBegan) {
      this.#requeue(task);
    } else if (task !== undefined) {
      const began = handover !== undefined || task.state !== 'offered';
      this.#end(
        task,
        slot.terminating
          ? { status: 'terminated' }
          : { status: 'failed', error: crashError(slot.name, exit, { exitCalled: slot.exitCalled, began }) },
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
    for (let task = this.#queue.shift(); task !== undefined; task = this.#queue.shift())
      this.#end(task, { status: 'failed', error: this.#broken });
    for (const other of [...this.#slots]) {
      for (const next of [...other.ahead]) {
        if (!this.#withdraw(other, next)) continue;
        other.ahead.splice(other.ahead.indexOf(next), 1);
        this.#end(next, { status: 'failed', error: this.#broken });
      }
      if (other.state === 'starting' || other.state === 'idle') this.#retire(other);
    }
  }

  // --- cancel, stop, signals --------------------------------------------------------------------

  #cancelTask(task: Task, reason: unknown): void {
    if (task.state === 'ended') return;
    if (task.state === 'queued') {
      // Still queued: it never runs, and ends now.
      this.#queue.remove(task);
      task.cancel = { reason };
      this.#end(task, { status: 'cancelled', reason });
      this.#updateRefs();
      this.#checkShutdown();
      return;
    }
    if (task.cancel !== undefined || task.slot === undefined) return;
    const slot = task.slot;
    task.cancel = { reason };
    if (this.#withdraw(slot, task)) return this.#withdrawn(slot, task, reason);
    // Offered to a thread worker and not withdrawn: claimed, its target has begun (and is now cancelling).
    if (task.state === 'offered' && slot.transport.handover !== undefined) this.#began(task);
    else if (task.state === 'running') task.move('cancelling');
    // On its worker: through its flag (a child's target that has not begun never begins).
    slot.transport.cancel(task.id, reason);
  }

  /** Cancelled after it was handed to a thread worker but before the worker claimed it (withdrawn): it never begins, and ends now. */
  #withdrawn(slot: WorkerSlot, task: Task, reason: unknown): void {
    this.#end(task, { status: 'cancelled', reason });
    const at = slot.ahead.indexOf(task);
    if (at >= 0) slot.ahead.splice(at, 1);
    else if (slot.task === task) {
      slot.task = slot.ahead.shift();
      if (slot.task === undefined && slot.state === 'busy') this.#idleNow(slot);
    }
    this.#dispatch();
    this.#updateRefs();
    this.#checkShutdown();
  }

  #stopTask(task: Task, graceMs: number | undefined, reason: unknown): void {
    this.#cancelTask(task, reason);
    const slot = task.slot;
    if (task.state === 'ended' || slot === undefined || task.graceTimer !== undefined) return;
    task.graceTimer = longTimeout(() => {
      if (slot.task === task) slot.terminate();
    }, graceMs ?? this.#graceMs);
  }

  #watchSignal(task: Task, signal: AbortSignal): void {
    let entry = this.#signals.get(signal);
    if (entry === undefined) {
      const tasks = new Set<Task>();
      const onAbort = () => {
        this.#signals.delete(signal);
        for (const each of tasks) this.#stopTask(each, undefined, signal.reason);
      };
      entry = { tasks, onAbort };
      this.#signals.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.tasks.add(task);
  }

  #unwatchSignal(task: Task): void {
    const signal = task.signal;
    if (signal === undefined) return;
    const entry = this.#signals.get(signal);
    if (entry === undefined) return;
    entry.tasks.delete(task);
    if (entry.tasks.size === 0) {
      signal.removeEventListener('abort', entry.onAbort);
      this.#signals.delete(signal);
    }
  }

  /** Settles a task's future, once, and counts it. */
  #end(task: Task, outcome: Outcome): void {
    if (task.state === 'ended') return;
    task.move('ended');
    clearLongTimeout(task.graceTimer);
    this.#unwatchSignal(task);
    // Its waits still pending end (aborted); the objects are the user's and stay as they are.
    void task.served?.close();
    this.#counts[outcome.status] += 1;
    settle(task.future, outcome, task.slot?.info);
  }

  // --- exit semantics and shutdown --------------------------------------------------------------

  /**
   * The workers hold the program open only while there is work, or a shutdown waits for them. They
   * are let go one turn of the event loop after the pool fell idle (an unref'd immediate: the ref'd
   * workers keep the loop turning until it runs), so that a program that submits task after task
   * does not ref and unref every worker for each.
   */
  #updateRefs(): void {
    if (this.#holds()) {
      if (this.#reffed) return;
      this.#reffed = true;
      for (const slot of this.#slots) slot.transport.ref();
      return;
    }
    if (!this.#reffed || this.#letGo !== undefined) return;
    this.#letGo = setImmediate(() => {
      this.#letGo = undefined;
      if (!this.#reffed || this.#holds()) return;
      this.#reffed = false;
      for (const slot of this.#slots) slot.transport.unref();
    });
    this.#letGo.unref();
  }

  /** Whether the pool has work (queued or running) or a shutdown to finish. */
  #holds(): boolean {
    return this.#queue.size > 0 || this.#count.onWorkers > 0 || (this.#shutdownDone !== undefined && this.#slots.size > 0);
  }

  #checkShutdown(): void {
    if (!this.#shutdown || this.#queue.size > 0 || this.#count.onWorkers > 0) return;
    for (const slot of [...this.#slots]) if (slot.state === 'idle' || slot.state === 'starting') this.#retire(slot);
    if (this.#slots.size === 0) {
      pools.delete(this);
      this.#reffed = false;
      clearImmediate(this.#letGo);
      this.#letGo = undefined;
      this.#markShutDown?.();
    }
  }
}

Object.defineProperty(Executor.prototype, Symbol.toStringTag, { value: 'Executor' });
// A pool anywhere in args is refused (walk.ts): it would arrive as an empty object and deadlock or fail obscurely.
Object.defineProperty(Executor.prototype, UNSENDABLE, {
  get(this: Executor) {
    return typeName(this);
  },
});

/** Whether every argument is a primitive (nothing to look into, nothing shared). */
function allPrimitive(args: unknown[]): boolean {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg !== null && (typeof arg === 'object' || typeof arg === 'function')) return false;
  }
  return true;
}
