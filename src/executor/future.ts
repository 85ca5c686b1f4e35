// Future: the pending result of one pool task, settled once, PromiseLike, cancellable and stoppable.

import { report } from '../core/excepthook.js';
import type { ThreadInfo } from '../wire/protocol.js';
import { Settlement, unwrap, type Outcome } from '../core/settlement.js';
import { validateMs, validateOptions, validateTimeout } from '../base/validate.js';
import { UNSENDABLE } from '../shared/walk.js';

/**
 * The states of a Future, with their legal transitions (a view of its task's state, which the pool
 * moves and checks: task-state.ts):
 *
 * ```
 * pending    -> running     its target begins on a worker
 * pending    -> ended       cancel()/stop() while queued, shutdown({ cancelFutures }), a broken pool;
 *                           or, handed to a worker but not begun, cancelled there (its target never begins)
 * running    -> cancelling  cancel() / stop() / the run() signal aborts
 * running    -> ended       the task settled, or its worker crashed or was terminated
 * cancelling -> ended       the task ended after its cancel
 * ```
 *
 * `ended` is final.
 */
export type FutureState = 'pending' | 'running' | 'cancelling' | 'ended';

const STOP_KEYS = new Set(['graceMs']);

/** What a Future asks of its pool, about its task `token` (one control per pool, not per future). @internal */
export interface FutureControl<T = never> {
  cancel(token: T, reason: unknown): void;
  stop(token: T, graceMs: number | undefined): void;
  /** The state of its task as the Future shows it, up to date where the pool can see more than its messages have said (shared memory). */
  state(token: T): FutureState;
}

/** The pool's side of a Future: the only writers of its settlement (its state is its task's, read through FutureControl). @internal */
export const FUTURE = Symbol('threadkit.future');

/** How the pool settles and holds a Future. @internal */
export interface FutureWriter<R> {
  /** Someone takes care of its error (map() rethrows it): no excepthook report. */
  handled(): void;
  /**
   * asCompleted() or wait() holds it to hand it over: a failure is not reported while held. One
   * release() per hold(); after the last, a failure still unhandled is reported as it would have been.
   */
  hold(): void;
  release(): void;
  settle(outcome: Outcome<R>, worker: ThreadInfo | undefined): void;
  readonly settlement: Settlement<R>;
}

/** Someone takes care of its failure (map() throws it from its loop): never reported. @internal */
export let markHandled: (future: Future<unknown>) => void;
/** It ended (once: a later call changes nothing); a failure nobody handles is reported. @internal */
export let settle: <R>(future: Future<R>, outcome: Outcome<R>, worker: ThreadInfo | undefined) => void;

/**
 * The pending result of a task submitted to a ThreadPoolExecutor or ProcessPoolExecutor.
 *
 * A Future is PromiseLike: `await future` resolves with the task's value or throws what `result()`
 * throws. It settles exactly once. A failed future nobody awaited or handled by the next turn of
 * the event loop after it failed is reported through `Thread.excepthook`, with `future` in the info.
 */
export class Future<R = unknown> implements PromiseLike<R> {
  readonly #name: string;
  readonly #control: FutureControl<unknown>;
  readonly #token: unknown;
  readonly #settlement = new Settlement<R>();
  #handled = false;
  /** How many asCompleted()/wait() calls hold it to hand it over (writer().hold()). */
  #held = 0;
  /** A failure whose report came due while held: reported at the last release, unless handled by then. */
  #due: { error: unknown; worker: ThreadInfo | undefined } | undefined;

  /** @internal Futures are made by executors. */
  constructor(name: string, control: FutureControl<never>, token: unknown) {
    this.#name = name;
    this.#control = control;
    this.#token = token;
  }

  static {
    // The pool's hot path settles its futures through these, without a writer object per future.
    markHandled = (future) => {
      future.#handled = true;
    };
    settle = (future, outcome, worker) => {
      if (!future.#settlement.settle(outcome)) return;
      if (outcome.status === 'failed') future.#reportUnhandled(outcome.error, worker);
    };
  }

  /** The task's name (the `name` given to `run()`, or `<pool name> task N`), for messages. */
  get name(): string {
    return this.#name;
  }

  /** 'pending' | 'running' | 'cancelling' | 'ended'; see the transition table above. */
  get state(): FutureState {
    return this.#control.state(this.#token);
  }

  /** How the task ended (the Outcome of Thread); undefined until it has. */
  get outcome(): Outcome<R> | undefined {
    return this.#settlement.outcome;
  }

  /** True once the task has ended, however it ended. */
  done(): boolean {
    return this.#settlement.outcome !== undefined;
  }

  /** True while the task's target runs on a worker (also while it is being cancelled). */
  running(): boolean {
    const state = this.state;
    return state === 'running' || state === 'cancelling';
  }

  /** True when the task ended cancelled (outcome status 'cancelled'). */
  cancelled(): boolean {
    return this.#settlement.outcome?.status === 'cancelled';
  }

  /**
   * Waits for the task and resolves with its value; rejects as Thread#result() does: the task's
   * error rebuilt here, CancelledError, TerminatedError, ThreadCrashedError, or TimeoutError when
   * `timeoutMs` passes first (the task goes on). Marks the future handled.
   * @throws {RangeError} (rejects) when `timeoutMs` is not a number >= 0 (Infinity: no limit).
   */
  async result(timeoutMs?: number): Promise<R> {
    validateTimeout(timeoutMs, 'timeoutMs');
    this.#handled = true;
    return this.#settlement.result(timeoutMs, this.#name);
  }

  /** PromiseLike: resolves with the value, or rejects as `result()` does. Marks the future handled. */
  then<A = R, B = never>(
    onfulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#handled = true;
    return this.#settlement.ended.then(() => unwrap(this.#settlement.outcome!, this.#name)).then(onfulfilled, onrejected);
  }

  /** The same as `then(undefined, onrejected)`. Marks the future handled. */
  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<R | B> {
    return this.then(undefined, onrejected);
  }

  /**
   * Cooperative. A queued task is removed from the queue and ends 'cancelled' at once (its target
   * never runs; `done()` is true on the next line), also one posted ahead to a busy worker thread;
   * one already sent to a child process, whose target has not begun, ends 'cancelled' as soon as the
   * child sees its flag (its target never begins). A
   * running task gets its cancel flag raised: in
   * it, cancelled() turns true, sleeps return false, cancelSignal() aborts; the worker stays and
   * takes the next task once this one returns. Idempotent; no effect once ended. Returns nothing.
   */
  cancel(reason?: unknown): void {
    const state = this.state;
    if (state === 'ended' || state === 'cancelling') return;
    this.#control.cancel(this.#token, reason);
  }

  /**
   * Both: cancel(), then, when the task has not ended `graceMs` later (default: the pool's
   * graceMs), its worker is terminated and replaced (outcome 'terminated'). Resolves with the
   * outcome. Idempotent; on an ended future it resolves with its outcome at once.
   * @throws {TypeError} (rejects) when `options` is not an object or has an unknown key.
   * @throws {RangeError} (rejects) when `graceMs` is not a number >= 0 (Infinity: no limit).
   */
  async stop(options?: { graceMs?: number }): Promise<Outcome<R>> {
    const graceMs = validateOptions(options, 'stop()', STOP_KEYS).graceMs;
    if (graceMs !== undefined) validateMs(graceMs, 'graceMs');
    if (!this.done()) this.#control.stop(this.#token, graceMs);
    await this.#settlement.ended;
    return this.#settlement.outcome!;
  }

  /** @internal The pool's writer. */
  get [FUTURE](): FutureWriter<R> {
    return {
      settlement: this.#settlement,
      handled: () => markHandled(this),
      hold: () => {
        this.#held += 1;
      },
      release: () => {
        this.#held -= 1;
        const due = this.#due;
        if (this.#held > 0 || due === undefined) return;
        this.#due = undefined;
        this.#reportUnhandled(due.error, due.worker);
      },
      settle: (outcome, worker) => settle(this, outcome, worker),
    };
  }

  /** As Node decides about unhandled rejections: reported when nobody handled it by the next turn of the loop. */
  #reportUnhandled(error: unknown, worker: ThreadInfo | undefined): void {
    if (this.#handled) return;
    setImmediate(() => {
      if (this.#handled) return;
      if (this.#held > 0) this.#due = { error, worker };
      else report({ thread: worker ?? { name: this.#name }, error, future: this });
    });
  }
}

/** The pool's writer of `future`. @internal */
export function writer<R>(future: Future<R>): FutureWriter<R> {
  return future[FUTURE];
}

/** Marks `future` handled without awaiting it (map() rethrows its error from the loop). @internal */
export function settlementOf<R>(future: Future<R>): Settlement<R> {
  return future[FUTURE].settlement;
}

// A Future anywhere in args is refused (walk.ts): it would arrive as an empty object.
Object.defineProperty(Future.prototype, UNSENDABLE, { value: 'a Future' });
