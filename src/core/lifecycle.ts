// The lifecycle shared by Thread and Process: states, start, join, result, cancel, terminate, stop.

import { TaskError, ThreadStateError, TimeoutError, got, type ThreadCrashedError } from '../errors.js';
import { targetSpec, type Target } from '../backend/task.js';
import { getExcepthook, report, setExcepthook, type ExceptHook } from './excepthook.js';
import { live } from './live.js';
import { Owner } from '../backend/owner.js';
import { subclassSpec } from './subclass-spec.js';
import { crashError } from './crash.js';
import { Launch } from './launch.js';
import { validateThreadOptions, type AnyFunction, type ResultOf, type StopOptions, type ThreadOptions } from './thread-options.js';
import { assertNever, type FromThread, type TargetSpec } from '../wire/protocol.js';
import { Settlement, unwrap, type Outcome } from './settlement.js';
import { rebuildThrown } from '../wire/serialize.js';
import { transition, type ThreadState } from './state.js';
import type { Backend, ExitInfo, ResourceLimits, Transport, TransportHooks } from '../backend/transport.js';
import { validateStopOptions, validateTimeout } from '../base/validate.js';
import { observing } from '../observe/channels.js';
import { RunTrace, endRun, openTrace } from '../observe/run-trace.js';
import type { TerminateReason } from '../observe/channels.js';
import { fromMono } from '../base/clock.js';

export type { ThreadState, ResourceLimits, Outcome };

/** Marks the library's own prototypes, where a subclass's methods stop. */
export const LIBRARY_PROTOTYPE = Symbol('threadkit.libraryPrototype');

/** Resolves once `thread` has ended (never rejects), without holding the program open as join() does (a TaskScope watches its children so). @internal */
export let endedOf: (thread: Lifecycle) => Promise<void>;

/**
 * Base of Thread and Process: one lifecycle over the backend value it is given (transport.ts's Backend).
 * @internal Users extend Thread or Process.
 */
export abstract class Lifecycle<T extends Target = Target> {
  /**
   * Reports every Thread and Process that ended with an error (outcome 'failed'), once, with
   * `{ thread, error }`. By default prints `Exception in thread <name>:` and the error (stack,
   * cause, own properties) to stderr. Assign a function to replace it, null to restore the default.
   * `Thread.excepthook` and `Process.excepthook` are this one hook. Not called for cancelled or
   * terminated threads. A hook that throws, or returns a promise that rejects, is reported on
   * stderr; it never crashes the program.
   */
  static get excepthook(): ExceptHook {
    return getExcepthook();
  }
  static set excepthook(hook: ExceptHook | null) {
    setExcepthook(hook);
  }

  /** 'Thread' or 'Process', for messages. */
  readonly #kind: string;
  readonly #backend: Backend;
  #name: string;
  #daemon: boolean;
  #state: ThreadState = 'new';
  /** The outcome, settled once (settlement.ts); `#end` is its only caller. */
  #settlement = new Settlement<ResultOf<T>>();
  #target: T | undefined;
  #spec: TargetSpec | undefined;
  #args: unknown[];
  #resourceLimits: ResourceLimits | undefined;
  #transport: Transport | undefined;
  #ident: number | null = null;
  /** The ending the thread reported; becomes the outcome when it is gone. */
  #reported: Outcome<ResultOf<T>> | undefined;
  #cancel: { reason: unknown } | undefined;
  #terminating = false;
  #waiters = 0;
  /** Its output, the code its target gave to process.exit(), the child processes it started (owner.ts). */
  readonly #owner = new Owner();
  /** Its run's events (observe/run-trace.ts), while someone listens. */
  #trace: RunTrace | undefined;
  /** When the target ended (monoNow() in the thread), from its ending. */
  #endedAt: number | undefined;
  /** stop()'s grace ran out: its terminate() is reported so. */
  #graceOut = false;

  static {
    endedOf = (thread) => thread.#settlement.ended;
  }

  constructor(options: ThreadOptions<T> | undefined, kind: string, defaultName: () => string, backend: Backend) {
    this.#kind = kind;
    this.#backend = backend;
    const opts = validateThreadOptions(options, kind);
    this.#resourceLimits = opts.resourceLimits;
    this.#name = opts.name ?? defaultName();
    this.#daemon = opts.daemon;
    this.#args = opts.args;
    // As in Python, an overridden run() is what the thread runs; the target is then only run()'s business.
    const overridden = (Object.getPrototypeOf(this) as { run: unknown }).run !== Lifecycle.prototype.run;
    if (!overridden) this.#spec = targetSpec(opts.target, this.#name);
    this.#target = opts.target;
  }

  /** The thread's name, for messages and `currentThread()`; settable. */
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(value)}`);
    this.#name = value;
  }

  /** Thread id (Thread) or pid (Process) once started; null before. Unique among live threads. */
  get ident(): number | null {
    return this.#ident;
  }

  /**
   * Whether this is a daemon: it does not keep the program alive and is destroyed when the program exits.
   * @throws {ThreadStateError} when set after start().
   */
  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (this.#state !== 'new') {
      throw new ThreadStateError(`Cannot set daemon on ${this.#name} after start(); set it in the options or before start().`);
    }
    if (typeof value !== 'boolean') throw new TypeError(`Expected \`daemon\` to be a boolean, ${got(value)}`);
    this.#daemon = value;
  }

  /** 'new' | 'starting' | 'running' | 'cancelling' | 'ended'; see state.ts for the transitions. */
  get state(): ThreadState {
    return this.#state;
  }

  /** How the thread ended; undefined while it has not. */
  get outcome(): Outcome<ResultOf<T>> | undefined {
    return this.#settlement.outcome;
  }

  /** True from start() until the thread has ended. */
  isAlive(): boolean {
    return this.#state === 'starting' || this.#state === 'running' || this.#state === 'cancelling';
  }

  /**
   * The default run(): calls the target with the args, in place. A subclass overrides run() to
   * give the thread its code; start() then runs that run() in the thread, with the instance's data
   * fields copied in and the subclass's other methods callable on `this`.
   */
  run(): unknown {
    if (typeof this.#target !== 'function') {
      throw new TaskError(`run() of ${this.#name} can call only a function target in place; start() the thread instead.`);
    }
    return (this.#target as AnyFunction)(...this.#args);
  }

  /**
   * Starts the thread and returns this, in state 'starting'. Arguments are cloned now: one that
   * cannot be sent throws TaskError naming it, and nothing is started.
   * @throws {ThreadStateError} when called a second time.
   * @throws {TaskError} when an argument (or a subclass field) cannot be sent.
   */
  start(): this {
    if (this.#state !== 'new') {
      throw new ThreadStateError(
        `${this.#name} was already started${this.#state === 'ended' && this.#ident === null ? ' or terminated' : ''}; ` +
          `a ${this.#kind} can be started only once. Create a new ${this.#kind} to run the task again.`,
      );
    }
    const launch = new Launch(this.#backend, this.#name, this.#spec ?? this.#subclassSpec(), this.#args);
    if (observing())
      this.#trace = new RunTrace(this.#backend.where === 'process' ? 'process' : 'thread', this.#name, undefined, performance.now());
    if (this.#cancel !== undefined) {
      // Cancelled before it began: the target never runs.
      this.#state = transition('new', 'starting');
      live.add(this);
      this.#trace?.cancel(this.#cancel.reason);
      queueMicrotask(() => this.#end({ status: 'cancelled', reason: this.#cancel?.reason }));
      return this;
    }
    const hooks: TransportHooks = { message: (m) => this.#onMessage(m), exit: (e) => this.#onExit(e) };
    this.#transport = launch.start(this.#daemon, this.#resourceLimits, hooks);
    this.#ident = this.#transport.ident;
    this.#state = transition('new', 'starting');
    live.add(this);
    return this;
  }

  /**
   * Waits for the thread to end. Resolves true once it has ended, or false when `timeoutMs`
   * passed first (the thread goes on). Never rejects because of what the target did. While it
   * waits, the program stays alive, also for a daemon thread.
   * @throws {ThreadStateError} (rejects) when the thread was never started.
   * @throws {RangeError} (rejects) when `timeoutMs` is not a number >= 0 (Infinity: no limit).
   */
  async join(timeoutMs?: number): Promise<boolean> {
    validateTimeout(timeoutMs, 'timeoutMs');
    if (this.#state === 'new') {
      throw new ThreadStateError(`Cannot join ${this.#name} before it is started; call start() first.`);
    }
    if (this.#state === 'ended') return true;
    this.#waiters += 1;
    if (this.#waiters === 1 && this.#daemon) this.#transport?.ref();
    try {
      return await this.#settlement.join(timeoutMs);
    } finally {
      this.#waiters -= 1;
      if (this.#waiters === 0 && this.#daemon && this.isAlive()) this.#transport?.unref();
    }
  }

  /**
   * Waits for the thread and resolves with the target's return value (awaited if a promise).
   * Rejects with the target's error rebuilt here (class, name, message, the thread's stack, cause,
   * own properties such as `code`; a thrown non-Error comes back as itself), CancelledError when
   * it gave up because it was cancelled, TerminatedError after terminate(), ThreadCrashedError
   * when it died otherwise, or TimeoutError when `timeoutMs` passed first (the thread goes on).
   * @throws {ThreadStateError} (rejects) when the thread was never started.
   */
  async result(timeoutMs?: number): Promise<ResultOf<T>> {
    if (!(await this.join(timeoutMs))) {
      throw new TimeoutError(`${this.#name} was still running after ${timeoutMs} ms; it goes on. Call result() again to keep waiting.`);
    }
    return unwrap(this.#settlement.outcome!, this.#name);
  }

  /**
   * Cooperative: asks the thread to stop. Inside it, cancelled() turns true, sleepSync()/sleep()
   * return false at once, checkpoint() throws and cancelSignal() aborts. Before the target begins
   * (states 'new' and 'starting') the target then never runs and the thread ends 'cancelled'.
   * Idempotent; no effect once ended. A target that returns normally anyway has completed.
   */
  cancel(reason?: unknown): void {
    if (this.#cancel !== undefined || this.#state === 'ended') return;
    this.#cancel = { reason };
    if (this.#state === 'new') return;
    this.#observe()?.cancel(reason);
    if (this.#state === 'starting' || this.#state === 'running') this.#state = transition(this.#state, 'cancelling');
    this.#transport?.cancel(reason);
  }

  /**
   * Forced: stops the thread now; none of its code runs after. Resolves with the outcome once it
   * is gone: 'terminated', unless it had already ended. Before start() it ends the thread at once
   * (a later start() throws). Idempotent.
   */
  async terminate(): Promise<Outcome<ResultOf<T>>> {
    return this.forceStop((transport) => transport.terminate(), 'terminate');
  }

  /** terminate() with the backend's own way to force it (`stop` is called once per call while alive). */
  protected async forceStop(stop: (transport: Transport) => void, reason: TerminateReason): Promise<Outcome<ResultOf<T>>> {
    if (this.#state === 'new') {
      this.#state = transition('new', 'ended');
      this.#settlement.settle({ status: 'terminated' });
      return this.#settlement.outcome!;
    }
    if (this.#state !== 'ended' && this.#transport !== undefined) {
      this.#observe()?.terminate(this.#graceOut ? 'grace' : reason);
      this.#terminating = true;
      stop(this.#transport);
    }
    await this.#settlement.ended;
    return this.#settlement.outcome!;
  }

  /**
   * Both: cancel(), wait up to `graceMs` (default 1000) for the thread to end by itself, then
   * terminate(). Resolves with the outcome: 'cancelled' (or how it ended) when it stopped in
   * time, 'terminated' otherwise. Idempotent. Before start() it is terminate().
   * @throws {TypeError} (rejects) when `options` is not an object or has an unknown key.
   * @throws {RangeError} (rejects) when `graceMs` is not a number >= 0 (Infinity: no limit).
   */
  async stop(options?: StopOptions): Promise<Outcome<ResultOf<T>>> {
    const { graceMs } = validateStopOptions(options, 'stop()');
    if (this.#state === 'new') return this.terminate();
    this.cancel();
    if (this.isAlive() && !(await this.join(graceMs))) {
      this.#graceOut = this.isAlive();
      return this.terminate();
    }
    return this.#settlement.outcome!;
  }

  /** The thread's messages until it has ended: the owner's (owner.ts), then its start and its ending. */
  #onMessage(message: FromThread): void {
    if (this.#state === 'ended' || this.#owner.take(message)) return;
    switch (message.kind) {
      case 'running':
        if (this.#state === 'starting') this.#state = transition('starting', 'running');
        this.#observe()?.start(
          { name: this.#name, ident: this.#ident!, pid: this.#backend.where === 'process' ? this.#ident! : process.pid },
          fromMono(message.t0),
        );
        return;
      case 'ready':
        return; // the backend answers it
      case 'serving':
      case 'init-failed':
      case 'usage':
        return; // pool workers only
      case 'completed':
        this.#settle({ status: 'completed', value: message.value as ResultOf<T> }, message.t1);
        return;
      case 'failed':
        this.#settle({ status: 'failed', error: rebuildThrown(message.error) }, message.t1);
        return;
      case 'cancelled':
        this.#settle({ status: 'cancelled', reason: this.#cancel?.reason }, message.t1);
        return;
      default:
        assertNever(message);
    }
  }

  /** The first ending reported wins, unless terminate() was called before it arrived. */
  #settle(outcome: Outcome<ResultOf<T>>, endedAt: number | undefined): void {
    if (this.#reported !== undefined || this.#terminating) return;
    this.#reported = outcome;
    this.#endedAt = endedAt;
  }

  #onExit(exit: ExitInfo): void {
    this.#transport = undefined;
    this.#owner.killChildren();
    this.#end(this.#reported ?? (this.#terminating ? { status: 'terminated' } : { status: 'failed', error: this.crashError(exit) }));
  }

  #end(outcome: Outcome<ResultOf<T>>): void {
    if (this.#state === 'ended') return;
    this.#state = transition(this.#state, 'ended');
    const endedAt = outcome === this.#reported && this.#endedAt !== undefined ? fromMono(this.#endedAt) : undefined;
    endRun(this.#observe(), outcome, endedAt, () => this.#settlement.settle(outcome));
    live.delete(this);
    if (outcome.status === 'failed') report({ thread: this, error: outcome.error });
  }

  /** Its run's trace, made now when someone listens and it has none (API.md 11.1). */
  #observe(): RunTrace | undefined {
    return (this.#trace = openTrace(
      this.#trace,
      this.#backend.where === 'process' ? 'process' : 'thread',
      this.#name,
      undefined,
      undefined,
    ));
  }

  /** Why a thread that reported no ending is gone (crash.ts). */
  protected crashError(exit: ExitInfo): ThreadCrashedError {
    return crashError(this.#name, exit, {
      exitCalled: this.#owner.exitCalled,
      began: this.#state === 'running' || this.#state === 'cancelling',
    });
  }

  /** Subclass run(): its methods and data fields (subclass-spec.ts). */
  #subclassSpec(): TargetSpec {
    return subclassSpec(this, this.#name, LIBRARY_PROTOTYPE);
  }
}

Object.defineProperty(Lifecycle.prototype, LIBRARY_PROTOTYPE, { value: true });
