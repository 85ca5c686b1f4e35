// TaskScope: structured concurrency over threads, processes and pool tasks (API.md section 10).

import { CancelledError, ThreadStateError, TimeoutError, got } from '../errors.js';
import { move, type Transitions } from '../base/state-machine.js';
import { clearLongTimeout, longTimeout, type LongTimer } from '../base/timers.js';
import { getContext } from '../memory/context.js';
import { cancelSignal } from '../memory/runtime.js';
import { unwrap, type Outcome } from '../core/settlement.js';
import type { ArgsOf, ResultOf } from '../core/thread-options.js';
import type { Target } from '../backend/task.js';
import { Executor } from '../executor/executor.js';
import type { Future } from '../executor/future.js';
import { Thread } from '../thread.js';
import { Process } from '../process.js';
import { handleOf, isScopeChild, type ChildHandle, type ScopeChild } from './child.js';
import { validateScopeOptions, type ScopeSettings, type TaskScopeOptions } from './options.js';

export type { TaskScopeOptions, ScopePolicy } from './options.js';
export type { ScopeChild } from './child.js';

/**
 * The states of a scope, with their legal transitions:
 *
 * ```
 * open       -> cancelling  cancel(), the deadline, the signal, the task's cancel, the policy, disposal
 * open       -> ended       join() (or disposal) found every child ended with no cancel
 * cancelling -> ended       every child has ended after the cancel, and join() or disposal waits
 * ```
 *
 * `ended` is final.
 */
export type TaskScopeState = 'open' | 'cancelling' | 'ended';

const LEGAL: Transitions<TaskScopeState> = { open: ['cancelling', 'ended'], cancelling: ['ended'], ended: [] };

/** How join() settles: decided by the first of the policy, the deadline, a cancel; or, failing those, when every child has ended. */
type Decision = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

let counter = 0;

/**
 * Owns the threads, processes and pool tasks started through it. Its policy decides when one
 * child's outcome cancels the others; a cancel of the scope reaches every child (cancel, then
 * terminate after `graceMs`), also one blocked in a synchronous wait; and when join() settles or
 * disposal resolves, every child has ended. A scope constructed inside a task is cancelled with
 * that task, so a cancel at the top reaches every descendant.
 * @example
 * await using scope = new TaskScope({ deadlineMs: 5000 });
 * scope.thread(resize, image, 200);
 * scope.submit(pool, resize, image, 400);
 * const [small, large] = await scope.join();
 */
export class TaskScope implements AsyncDisposable {
  readonly #settings: ScopeSettings;
  #state: TaskScopeState = 'open';
  readonly #handles: ChildHandle[] = [];
  readonly #owned = new Set<ScopeChild>();
  #endedCount = 0;
  #decision: Decision | undefined;
  /** join() was called: the children's failures are reported through it. */
  #joined = false;
  /** join() or disposal waits for the end. */
  #waiting = false;
  #join: Promise<unknown> | undefined;
  #markEnded!: () => void;
  readonly #ended = new Promise<void>((resolve) => (this.#markEnded = resolve));
  #deadline: LongTimer | undefined;
  #grace: LongTimer | undefined;
  /** The signals listened to (the option's, the enclosing task's), removed at the end. */
  readonly #listeners: Array<() => void> = [];

  /**
   * @throws {TypeError} for an unknown option, a policy that is none of the three, a signal that is not an AbortSignal, an empty name.
   * @throws {RangeError} for a deadlineMs that is not a number >= 0 (Infinity allowed), a graceMs that is not a finite number >= 0.
   */
  constructor(options?: TaskScopeOptions) {
    this.#settings = validateScopeOptions(options, () => `TaskScope-${++counter}`);
    const { deadlineMs, signal, name } = this.#settings;
    if (deadlineMs !== Infinity) {
      this.#deadline = longTimeout(() => {
        const error = new TimeoutError(`${name} passed its deadline of ${deadlineMs} ms`);
        this.#cancelWith({ ok: false, error }, error);
      }, deadlineMs).unref();
    }
    if (signal !== undefined) {
      this.#listen(signal, () =>
        this.#cancelWith({ ok: false, error: new CancelledError(signal.reason, `${name} was cancelled by its signal`) }, signal.reason),
      );
    }
    // Inside a task (a Thread, a Process, a pool task): cancelled with it, and at once when it already is.
    if (getContext() !== undefined) {
      const task = cancelSignal();
      this.#listen(task, () =>
        this.#cancelWith({ ok: false, error: new CancelledError(task.reason, `${name} was cancelled with its task`) }, task.reason),
      );
    }
  }

  /** The scope's name, for messages. */
  get name(): string {
    return this.#settings.name;
  }

  /** 'open' (children may be added), 'cancelling' (cancelled or decided: the live children are being stopped), or 'ended'. */
  get state(): TaskScopeState {
    return this.#state;
  }

  /** The children, in the order they were added. */
  get children(): ScopeChild[] {
    return this.#handles.map((handle) => handle.child);
  }

  /** The children's outcomes in the same order; undefined for one still running. */
  get outcomes(): Array<Outcome | undefined> {
    return this.#handles.map((handle) => handle.outcome());
  }

  /**
   * Constructs and starts a Thread of the scope running `target(...args)`, and returns it.
   * @throws {ThreadStateError} when the scope is not open; nothing is started.
   * @throws what `new Thread()` and `start()` throw (TypeError, TaskError); nothing is added.
   */
  thread<T extends Target>(target: T, ...args: ArgsOf<T>): Thread<T> {
    this.#refuseUnlessOpen('thread()');
    return this.#adopt(new Thread<T>({ target, args }).start());
  }

  /**
   * Constructs and starts a Process of the scope running `target(...args)`, and returns it.
   * @throws {ThreadStateError} when the scope is not open; nothing is started.
   * @throws what `new Process()` and `start()` throw (TypeError, TaskError); nothing is added.
   */
  process<T extends Target>(target: T, ...args: ArgsOf<T>): Process<T> {
    this.#refuseUnlessOpen('process()');
    return this.#adopt(new Process<T>({ target, args }).start());
  }

  /**
   * Submits `target(...args)` to `executor` (a ThreadPoolExecutor or ProcessPoolExecutor) and returns its Future, owned by the scope.
   * @throws {ThreadStateError} when the scope is not open; nothing is submitted.
   * @throws {TypeError} when `executor` is not a pool; what `submit()` throws (ExecutorShutDownError, TaskError, RangeError); nothing is added.
   */
  submit<T extends Target>(executor: Executor, target: T, ...args: ArgsOf<T>): Future<ResultOf<T>> {
    this.#refuseUnlessOpen('submit()');
    if (!(executor instanceof Executor)) {
      throw new TypeError(`Expected \`executor\` to be a ThreadPoolExecutor or a ProcessPoolExecutor, ${got(executor)}`);
    }
    return this.#adopt(executor.submit(target, ...args));
  }

  /**
   * Adopts a Thread or Process (starting it when it is 'new') or a Future, in any state, and returns it.
   * One already in the scope is returned as it is; one that has ended counts at once.
   * @throws {ThreadStateError} when the scope is not open; nothing is started.
   * @throws {TypeError} for anything else; what start() throws; nothing is added.
   */
  add<C extends ScopeChild>(child: C): C {
    this.#refuseUnlessOpen('add()');
    if (!isScopeChild(child)) throw new TypeError(`Expected a Thread, a Process or a Future, ${got(child)}`);
    if (this.#owned.has(child)) return child;
    if ((child instanceof Thread || child instanceof Process) && child.state === 'new') child.start();
    return this.#adopt(child);
  }

  /**
   * Waits until every child has ended (also children added while it waits), then settles with the
   * first of: the policy's decision (allSucceed: rejects with the first failure's error;
   * firstSucceeds: resolves with the first value), the deadline (TimeoutError), a cancel
   * (CancelledError); otherwise allSucceed resolves with the values in the order the children were
   * added, firstSucceeds rejects with an AggregateError of every child's error, 'all' resolves
   * with the outcomes. Every call returns the same promise. The children's failures count as
   * handled: they are not also reported through the excepthook.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  join(): Promise<any> {
    if (this.#join === undefined) {
      this.#joined = true;
      this.#join = this.#ended.then(() => this.#settle());
      this.#waitForEnd();
    }
    return this.#join;
  }

  /**
   * Cancels the scope: every child not ended gets `cancel(reason)` at once and is terminated when
   * still alive `graceMs` later; join() rejects with CancelledError (its reason: `reason`).
   * Idempotent; no effect once the scope is cancelling or ended, so it does not replace a decision already made.
   */
  cancel(reason?: unknown): void {
    this.#cancelWith({ ok: false, error: new CancelledError(reason, `${this.name} was cancelled`) }, reason);
  }

  /**
   * `await using scope = new TaskScope()`: cancels the children still running (reason: a
   * CancelledError saying the scope was left), waits until every child has ended (graceMs, then
   * terminate), and never rejects. Without join() having been called, each child failure is then
   * reported once through the excepthook.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === 'ended') return;
    const left = new CancelledError(undefined, `${this.name} was left before its children ended`);
    this.#cancelWith({ ok: false, error: left }, left);
    this.#waitForEnd();
    await this.#ended;
  }

  #refuseUnlessOpen(call: string): void {
    if (this.#state !== 'open') {
      throw new ThreadStateError(
        `Cannot ${call} on ${this.name}: it is ${this.#state}; no child may be added once a scope is cancelled, decided or ended.`,
      );
    }
  }

  #adopt<C extends ScopeChild>(child: C): C {
    const handle = handleOf(child);
    this.#owned.add(child);
    this.#handles.push(handle);
    if (handle.outcome() !== undefined) this.#onEnd(handle);
    else {
      if (this.#waiting) handle.hold();
      void handle.ended.then(() => this.#onEnd(handle));
    }
    return child;
  }

  #listen(signal: AbortSignal, onAbort: () => void): void {
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#listeners.push(() => signal.removeEventListener('abort', onAbort));
  }

  /** A child ended: the policy may decide, and the scope may end. */
  #onEnd(handle: ChildHandle): void {
    this.#endedCount += 1;
    const outcome = handle.outcome()!;
    const { policy } = this.#settings;
    if (this.#state === 'open' && policy !== 'all') {
      if (policy === 'allSucceed' && outcome.status !== 'completed') {
        const error = errorOf(handle);
        const reason = new CancelledError(undefined, `${this.name} was cancelled: ${handle.name} failed`);
        (reason as { cause?: unknown }).cause = error;
        this.#cancelWith({ ok: false, error }, reason);
      } else if (policy === 'firstSucceeds' && outcome.status === 'completed') {
        this.#cancelWith(
          { ok: true, value: outcome.value },
          new CancelledError(undefined, `${this.name} was cancelled: ${handle.name} completed first`),
        );
      }
    }
    if (this.#endedCount === this.#handles.length) {
      clearLongTimeout(this.#grace);
      this.#grace = undefined;
    }
    this.#maybeEnd();
  }

  /** The first decision stands; every child not ended gets `reason`, then terminate after graceMs. */
  #cancelWith(decision: Decision, reason: unknown): void {
    if (this.#state !== 'open') return;
    this.#decision = decision;
    this.#state = move(LEGAL, this.#state, 'cancelling', 'TaskScope state');
    const live = this.#handles.filter((handle) => handle.outcome() === undefined);
    for (const handle of live) handle.cancel(reason);
    if (live.length === 0) return;
    this.#grace = longTimeout(() => {
      this.#grace = undefined;
      for (const handle of live) if (handle.outcome() === undefined) handle.terminate();
    }, this.#settings.graceMs);
  }

  /** join() or disposal waits: the live children hold the program open until they end (a daemon too, as join() does). */
  #waitForEnd(): void {
    if (!this.#waiting) for (const handle of this.#handles) handle.hold();
    this.#waiting = true;
    this.#maybeEnd();
  }

  /** Ends the scope once someone waits and every child has ended. */
  #maybeEnd(): void {
    if (!this.#waiting || this.#state === 'ended' || this.#endedCount < this.#handles.length) return;
    this.#state = move(LEGAL, this.#state, 'ended', 'TaskScope state');
    clearLongTimeout(this.#deadline);
    clearLongTimeout(this.#grace);
    for (const remove of this.#listeners.splice(0)) remove();
    for (const handle of this.#handles) handle.release(this.#joined);
    this.#markEnded();
  }

  /** What join() settles with once the scope has ended. */
  #settle(): unknown {
    const decision = this.#decision;
    if (decision !== undefined) {
      if (decision.ok) return decision.value;
      throw decision.error;
    }
    switch (this.#settings.policy) {
      case 'allSucceed':
        return this.#handles.map((handle) => (handle.outcome() as { value: unknown }).value);
      case 'firstSucceeds':
        throw new AggregateError(
          this.#handles.map(errorOf),
          this.#handles.length === 0 ? `${this.name} had no child to succeed` : `Every child of ${this.name} failed`,
        );
      case 'all':
        return this.outcomes;
    }
  }
}

/** What the child's result() rejects with. */
function errorOf(handle: ChildHandle): unknown {
  try {
    unwrap(handle.outcome()!, handle.name);
  } catch (error) {
    return error;
  }
  return undefined;
}
