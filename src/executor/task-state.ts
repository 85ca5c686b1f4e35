// A pool task: its state machine (queued, offered, running, cancelling, ended; withdrawn) and what it carries.

import { move, type Transitions } from '../base/state-machine.js';
import type { LongTimer } from '../base/timers.js';
import type { EncodedTask } from '../backend/transport.js';
import type { ServedObjects } from '../serve/serve.js';
import { Future, type FutureControl, type FutureState } from './future.js';
import type { WorkerSlot } from './worker-slot.js';
import type { RunTrace } from '../observe/run-trace.js';
import { fromMono } from '../base/clock.js';
import { bypass } from '../observe/channels.js';

/**
 * The states of a pool task, with their legal transitions:
 *
 * ```
 * queued     -> offered     handed to a worker: offered in a handover cell and posted (threads), sent (processes)
 * queued     -> ended       cancelled while queued, shutdown({ cancelFutures }), a broken pool, a run() signal
 *                           already aborted at submit (its target never runs)
 * offered    -> running     its target began: a worker thread claimed it in its cell, a child said `running`
 * offered    -> withdrawn   a thread task taken back from its handover cell before its worker claimed it
 *                           (cancelled, taken by an idle worker, its worker died, the pool broke)
 * offered    -> queued      a process task whose child died before it said `running`: back to the front
 *                           of the queue, at most once (`requeued`: a task whose loading kills its worker fails)
 * offered    -> ended       its ending came before its start was seen (a child's task cancelled before it
 *                           began never begins), or its worker died under it
 * withdrawn  -> offered     an idle worker took it
 * withdrawn  -> queued      its worker died: back to the front of the queue (it never began)
 * withdrawn  -> ended       cancelled, or the pool broke (its target never runs)
 * running    -> cancelling  cancel(), stop() or the run() signal; or its start is seen after a cancel sent while offered
 * running    -> ended       its ending arrived, or its worker crashed or was terminated under it
 * cancelling -> ended       the same, after its cancel
 * ```
 *
 * `ended` is final. A task is on a worker (counted in `TaskCount.onWorkers`, which holds a pool open)
 * while offered, running or cancelling. Its Future's state is a view of it (`futureState`).
 */
export type TaskState = 'queued' | 'offered' | 'withdrawn' | 'running' | 'cancelling' | 'ended';

/** @internal Exported for its test. */
export const TASK_MOVES: Transitions<TaskState> = {
  queued: ['offered', 'ended'],
  offered: ['running', 'withdrawn', 'queued', 'ended'],
  withdrawn: ['offered', 'queued', 'ended'],
  running: ['cancelling', 'ended'],
  cancelling: ['ended'],
  ended: [],
};

/** The states in which a task is on a worker. */
const ON_WORKER: Readonly<Record<TaskState, boolean>> = {
  queued: false,
  offered: true,
  withdrawn: false,
  running: true,
  cancelling: true,
  ended: false,
};

/** What a task's Future says of each state. */
const FUTURE_STATE: Readonly<Record<TaskState, FutureState>> = {
  queued: 'pending',
  offered: 'pending',
  withdrawn: 'pending',
  running: 'running',
  cancelling: 'cancelling',
  ended: 'ended',
};

/** The Future's view of a task in `state`. */
export function futureState(state: TaskState): FutureState {
  return FUTURE_STATE[state];
}

/** The tasks of one pool on a worker (offered, running, cancelling): kept by `Task#move` alone. */
export interface TaskCount {
  onWorkers: number;
}

/** One task of a pool, from submit() to its outcome. */
export class Task {
  readonly id: number;
  readonly future: Future<unknown>;
  readonly encoded: EncodedTask;
  /** The run() signal it listens to. */
  readonly signal: AbortSignal | undefined;
  /** A process-pool task's shared objects, served by this process while it runs (src/serve/pool-serve.ts). */
  readonly served: ServedObjects | undefined;
  readonly #count: TaskCount;
  #state: TaskState = 'queued';
  /** It went back to the queue once from `offered` (its child died before the target began); never twice. */
  #requeued = false;
  /** The worker it was last handed to; undefined while queued, and again when it goes back to the queue. */
  slot: WorkerSlot<Task> | undefined;
  /** Its cell in its worker thread's handover while offered or running there (cancel-flag.ts). */
  cell: number | undefined;
  /** cancel() was called: the reason it gets, as the outcome's reason. */
  cancel: { reason: unknown } | undefined;
  /** stop()'s grace period, after which its worker is terminated. */
  graceTimer: LongTimer | undefined;
  /** When it was submitted (performance.now()): the metrics' waitTime begins here. */
  readonly submitTime: number;
  /** When its target began and ended: the worker's readings (from its ending), or when this side learned it. */
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** When it was first cancelled while running (the metrics' cancelLatency). */
  cancelAt: number | undefined;
  /** Its run's events (observe/run-trace.ts), while someone listens. */
  trace: RunTrace | undefined;

  constructor(
    id: number,
    name: string,
    encoded: EncodedTask,
    options: { signal: AbortSignal | undefined; served: ServedObjects | undefined; control: FutureControl<Task>; count: TaskCount },
  ) {
    this.id = id;
    this.encoded = encoded;
    this.signal = options.signal;
    this.served = options.served;
    this.#count = options.count;
    this.submitTime = bypass.on ? 0 : performance.now();
    this.future = new Future<unknown>(name, options.control, this);
  }

  get state(): TaskState {
    return this.#state;
  }

  /** Whether it went back to the queue once from `offered`. */
  get requeued(): boolean {
    return this.#requeued;
  }

  /**
   * Its target has begun (it was offered): it is running, or cancelling when cancel() came first.
   * `t0`: when, as the worker read it (monoNow()); else this side learns it now. Publishes `start`.
   */
  begin(t0?: number): void {
    this.move('running');
    this.startedAt = t0 === undefined ? performance.now() : fromMono(t0);
    this.trace?.start(this.slot!.ref, this.startedAt);
    if (this.cancel !== undefined) this.move('cancelling');
  }

  /** Its ending's times (the worker's readings, monoNow()): when its target began and ended; none when it never began. */
  times(t0: number | undefined, t1: number | undefined): void {
    if (t0 === undefined || t1 === undefined) return;
    this.startedAt = fromMono(t0);
    this.endedAt = fromMono(t1);
  }

  /**
   * Moves to `to`, and keeps the pool's count of tasks on a worker.
   * @throws {Error} an internal error for a move not in the table, or a second `offered -> queued` (a threadkit bug).
   */
  move(to: TaskState): void {
    const from = this.#state;
    if (from === 'offered' && to === 'queued') {
      if (this.#requeued) throw new Error(`threadkit internal error: pool task (${this.future.name}) requeued twice`);
      this.#requeued = true;
    }
    // The message is built only for an illegal move (a threadkit bug): no string per legal one.
    this.#state = TASK_MOVES[from].includes(to) ? to : move(TASK_MOVES, from, to, `pool task (${this.future.name})`);
    if (ON_WORKER[from] !== ON_WORKER[to]) this.#count.onWorkers += ON_WORKER[to] ? 1 : -1;
  }
}
