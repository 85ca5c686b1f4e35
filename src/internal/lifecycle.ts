// The lifecycle shared by Thread and Process: states, start, join, result, cancel, terminate, stop.

import { CancelledError, TaskError, TerminatedError, ThreadCrashedError, ThreadStateError, TimeoutError, describe, got } from '../errors.js';
import { functionSource, targetSpec, type Target } from '../task.js';
import { getExcepthook, report, setExcepthook, type ExceptHook } from './excepthook.js';
import { live } from './live.js';
import { writeOutput } from './output.js';
import { assertNever, type FromThread, type TargetSpec } from './protocol.js';
import { cloneable, rebuildThrown } from './serialize.js';
import { transition, type ThreadState } from './state.js';
import type { ExitInfo, LaunchSpec, ResourceLimits, Transport, TransportHooks } from './transport/transport.js';
import { cloneFailure, typeName, unsendableError } from './unsendable.js';
import { validateStopOptions, validateTimeout } from './validate.js';
import { ServedObjects } from '../shared/serve.js';
import { encodeArgs, encodeFields } from '../shared/transfer.js';

export type { ThreadState, ResourceLimits };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** The arguments a target takes. */
export type ArgsOf<T> = T extends AnyFunction ? Parameters<T> : unknown[];
/** What `result()` resolves with for a target. */
export type ResultOf<T> = T extends AnyFunction ? Awaited<ReturnType<T>> : unknown;

/** Options of `new Thread(...)` and `new Process(...)`. */
export interface ThreadOptions<T extends Target = Target> {
  /** What the thread runs: a task() function, a plain function, or `{ module, name }`. */
  target?: T;
  /** Arguments for the target, sent by structured clone. Default `[]`. */
  args?: ArgsOf<T>;
  /** Default `Thread-N` / `Process-N`. */
  name?: string;
  /** A daemon does not keep the program alive. Default false. */
  daemon?: boolean;
  /** Memory and stack limits of the thread (worker `resourceLimits`; for a Process, heap flags). */
  resourceLimits?: ResourceLimits;
}

/** How a thread ended; undefined while it is alive. */
export type Outcome<R = unknown> =
  | { readonly status: 'completed'; readonly value: R }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'cancelled'; readonly reason: unknown }
  | { readonly status: 'terminated' };

/** Options of `stop()`. */
export interface StopOptions {
  /** How long to wait after cancel() before terminate(). Default 1000. */
  graceMs?: number;
}

const OPTION_KEYS = new Set(['target', 'args', 'name', 'daemon', 'resourceLimits']);
const LIMIT_KEYS = new Set(['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb']);
/** Marks the library's own prototypes, where a subclass's methods stop. */
export const LIBRARY_PROTOTYPE = Symbol('threadkit.libraryPrototype');

/**
 * Base of Thread and Process: one lifecycle, the backend behind `launch()`.
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

  #name: string;
  #daemon: boolean;
  #state: ThreadState = 'new';
  #outcome: Outcome<ResultOf<T>> | undefined;
  #target: T | undefined;
  #spec: TargetSpec | undefined;
  #args: unknown[];
  #resourceLimits: ResourceLimits | undefined;
  #transport: Transport | undefined;
  #ident: number | null = null;
  /** The ending the thread reported; becomes the outcome when it is gone. */
  #reported: Outcome<ResultOf<T>> | undefined;
  #exitCalled: number | undefined;
  #cancel: { reason: unknown } | undefined;
  #terminating = false;
  #ended: Promise<void>;
  #markEnded!: () => void;
  #waiters = 0;
  /** Child processes the thread started and that are still running (a terminated worker does not end them); -pid: its group. */
  #children = new Set<number>();

  constructor(options: ThreadOptions<T> | undefined, kind: string, defaultName: () => string) {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`Expected \`options\` to be an object or undefined, ${got(options)}`);
    }
    const opts = options ?? {};
    for (const key of Object.keys(opts)) {
      if (!OPTION_KEYS.has(key)) {
        throw new TypeError(`Unknown option \`${key}\` for ${kind}; expected one of: ${[...OPTION_KEYS].join(', ')}`);
      }
    }
    if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name === '')) {
      throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(opts.name)}`);
    }
    if (opts.daemon !== undefined && typeof opts.daemon !== 'boolean') {
      throw new TypeError(`Expected \`daemon\` to be a boolean, ${got(opts.daemon)}`);
    }
    if (opts.args !== undefined && !Array.isArray(opts.args)) {
      throw new TypeError(`Expected \`args\` to be an array, ${got(opts.args)}`);
    }
    this.#resourceLimits = validateLimits(opts.resourceLimits);
    this.#name = opts.name ?? defaultName();
    this.#daemon = opts.daemon ?? false;
    this.#args = opts.args ? [...opts.args] : [];
    // As in Python, an overridden run() is what the thread runs; the target is then only run()'s business.
    const overridden = (Object.getPrototypeOf(this) as { run: unknown }).run !== Lifecycle.prototype.run;
    if (!overridden) this.#spec = targetSpec(opts.target, this.#name);
    this.#target = opts.target;
    this.#ended = new Promise((resolve) => (this.#markEnded = resolve));
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
    return this.#outcome;
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
          `a ${this.kind} can be started only once. Create a new ${this.kind} to run the task again.`,
      );
    }
    let target = this.#spec ?? this.#subclassSpec();
    // A Thread shares the objects' memory; a Process's parent serves them (src/shared/serve.ts).
    const shares = this.kind === 'Thread' ? true : new ServedObjects(this.#name);
    if (target.kind === 'subclass') {
      // A subclass's fields may hold shared objects too (this.lock = lock): the same markers as args.
      target = { ...target, fields: encodeFields(target.fields, shares, this.#name) };
    }
    if (this.#cancel !== undefined) {
      // Cancelled before it began: the target never runs.
      this.#state = transition('new', 'starting');
      live.add(this);
      queueMicrotask(() => this.#end({ status: 'cancelled', reason: this.#cancel?.reason }));
      return this;
    }
    let args: unknown[];
    try {
      // Shared objects travel as markers of their memory, or of their id for a Process (src/shared/transfer.ts).
      args = encodeArgs(this.#args, shares, this.#name);
    } catch (error) {
      // Reading an argument threw (a getter): the same TaskError naming it as a clone failure gives.
      throw error instanceof TaskError ? error : this.#unsendable(cloneFailure(error), target);
    }
    const spec: LaunchSpec = {
      target,
      args,
      info: { name: this.#name, daemon: this.#daemon, isMain: false },
      daemon: this.#daemon,
      resourceLimits: this.#resourceLimits,
      served: shares !== true && shares.size > 0 ? shares : undefined,
    };
    const hooks: TransportHooks = { message: (m) => this.#onMessage(m), exit: (e) => this.#onExit(e) };
    try {
      this.#transport = this.launch(spec, hooks);
    } catch (error) {
      throw this.#unsendable(error, target);
    }
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
   * @throws {RangeError} (rejects) when `timeoutMs` is not a finite number >= 0.
   */
  async join(timeoutMs?: number): Promise<boolean> {
    validateTimeout(timeoutMs, 'timeoutMs');
    if (this.#state === 'new') {
      throw new ThreadStateError(`Cannot join ${this.#name} before it is started; call start() first.`);
    }
    if (this.#state === 'ended') return true;
    this.#waiters += 1;
    if (this.#waiters === 1 && this.#daemon) this.#transport?.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (timeoutMs === undefined) {
        await this.#ended;
        return true;
      }
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)));
      return await Promise.race([this.#ended.then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
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
    const outcome = this.#outcome!;
    switch (outcome.status) {
      case 'completed':
        return outcome.value;
      case 'failed':
        throw outcome.error;
      case 'cancelled':
        throw new CancelledError(outcome.reason, `${this.#name} was cancelled`);
      case 'terminated':
        throw new TerminatedError(`${this.#name} was terminated`);
    }
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
    if (this.#state === 'starting' || this.#state === 'running') this.#state = transition(this.#state, 'cancelling');
    this.#transport?.cancel(reason);
  }

  /**
   * Forced: stops the thread now; none of its code runs after. Resolves with the outcome once it
   * is gone: 'terminated', unless it had already ended. Before start() it ends the thread at once
   * (a later start() throws). Idempotent.
   */
  async terminate(): Promise<Outcome<ResultOf<T>>> {
    return this.forceStop((transport) => transport.terminate());
  }

  /** terminate() with the backend's own way to force it (`stop` is called once per call while alive). */
  protected async forceStop(stop: (transport: Transport) => void): Promise<Outcome<ResultOf<T>>> {
    if (this.#state === 'new') {
      this.#state = transition('new', 'ended');
      this.#outcome = { status: 'terminated' };
      this.#markEnded();
      return this.#outcome;
    }
    if (this.#state !== 'ended' && this.#transport !== undefined) {
      this.#terminating = true;
      stop(this.#transport);
    }
    await this.#ended;
    return this.#outcome!;
  }

  /**
   * Both: cancel(), wait up to `graceMs` (default 1000) for the thread to end by itself, then
   * terminate(). Resolves with the outcome: 'cancelled' (or how it ended) when it stopped in
   * time, 'terminated' otherwise. Idempotent. Before start() it is terminate().
   * @throws {TypeError} (rejects) when `options` is not an object or has an unknown key.
   * @throws {RangeError} (rejects) when `graceMs` is not a finite number >= 0.
   */
  async stop(options?: StopOptions): Promise<Outcome<ResultOf<T>>> {
    const { graceMs } = validateStopOptions(options, 'stop()');
    if (this.#state === 'new') return this.terminate();
    this.cancel();
    if (this.isAlive() && !(await this.join(graceMs))) return this.terminate();
    return this.#outcome!;
  }

  /** 'Thread' or 'Process', for messages. */
  protected abstract get kind(): string;

  /** Starts the backend. Must throw (DataCloneError) before creating anything when the start message cannot be cloned. */
  protected abstract launch(spec: LaunchSpec, hooks: TransportHooks): Transport;

  /** Writes the thread's output here; a Process's child writes to the inherited stdio itself. */
  #onMessage(message: FromThread): void {
    if (this.#state === 'ended') return;
    switch (message.kind) {
      case 'output':
        writeOutput(message.stream, message.chunk);
        return;
      case 'running':
        if (this.#state === 'starting') this.#state = transition('starting', 'running');
        return;
      case 'ready':
        return; // the backend answers it
      case 'completed':
        this.#settle({ status: 'completed', value: message.value as ResultOf<T> });
        return;
      case 'failed':
        this.#settle({ status: 'failed', error: rebuildThrown(message.error) });
        return;
      case 'cancelled':
        this.#settle({ status: 'cancelled', reason: this.#cancel?.reason });
        return;
      case 'exit-called':
        this.#exitCalled = message.code;
        return;
      case 'child':
        // A negative pid stands for the child's process group, as for process.kill().
        if (message.alive) this.#children.add(message.group === true ? -message.pid : message.pid);
        else this.#children.delete(message.group === true ? -message.pid : message.pid);
        return;
      default:
        assertNever(message);
    }
  }

  /** The first ending reported wins, unless terminate() was called before it arrived. */
  #settle(outcome: Outcome<ResultOf<T>>): void {
    if (this.#reported === undefined && !this.#terminating) this.#reported = outcome;
  }

  #onExit(exit: ExitInfo): void {
    this.#transport = undefined;
    for (const pid of this.#children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.#end(this.#reported ?? (this.#terminating ? { status: 'terminated' } : { status: 'failed', error: this.crashError(exit) }));
  }

  #end(outcome: Outcome<ResultOf<T>>): void {
    if (this.#state === 'ended') return;
    this.#state = transition(this.#state, 'ended');
    this.#outcome = outcome;
    live.delete(this);
    if (outcome.status === 'failed') report({ thread: this, error: outcome.error });
    this.#markEnded();
  }

  /** Why a thread that reported no ending is gone. Exit codes alone are not trusted. */
  protected crashError(exit: ExitInfo): ThreadCrashedError {
    const name = this.#name;
    const cause = exit.error === undefined ? {} : { cause: exit.error };
    const code = (exit.error as { code?: unknown } | undefined)?.code;
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new ThreadCrashedError(`${name} ran out of memory under its resourceLimits and was stopped.`, cause);
    }
    if (this.#exitCalled !== undefined) {
      return new ThreadCrashedError(`${name} called process.exit(${this.#exitCalled}) before its target returned.`, cause);
    }
    if (exit.signal !== null) {
      return new ThreadCrashedError(`${name} was killed by signal ${exit.signal} before its target returned.`, cause);
    }
    if (exit.error !== undefined) {
      return new ThreadCrashedError(`${name} died before its target returned: ${describe(exit.error)}`, cause);
    }
    if (this.#state === 'running' || this.#state === 'cancelling') {
      return new ThreadCrashedError(
        `${name} ended before its target's promise settled: the thread's event loop ran empty, so the promise could ` +
          'never settle (exit code ' +
          `${exit.exitCode}). Await the work the target starts, or keep the thread alive with a timer or cancelSignal().`,
        cause,
      );
    }
    return new ThreadCrashedError(`${name} exited before its target began (exit code ${exit.exitCode}).`, cause);
  }

  /** Subclass run(): the methods from the subclass up to the library's class, and the data fields. */
  #subclassSpec(): TargetSpec {
    const methods: Record<string, string> = {};
    for (let proto = Object.getPrototypeOf(this) as object | null; proto !== null && !Object.hasOwn(proto, LIBRARY_PROTOTYPE); proto = Object.getPrototypeOf(proto) as object | null) {
      for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
        if (key === 'constructor' || key in methods || typeof descriptor.value !== 'function') continue;
        methods[key] = functionSource(descriptor.value as AnyFunction, `${this.constructor.name}.${key}()`);
      }
    }
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (!cloneable(value)) {
        throw new TaskError(
          `Cannot start ${this.#name}: field \`this.${key}\` of ${this.constructor.name} cannot be sent to the thread (${describe(value)}). ` +
            'Fields are copied by structured clone; keep only data in them.',
        );
      }
      fields[key] = value;
    }
    return { kind: 'subclass', methods, fields, className: this.constructor.name };
  }

  /** Turns a clone failure of the start message into a TaskError naming the argument. */
  #unsendable(error: unknown, target: TargetSpec): unknown {
    if (!(error instanceof Error) || error.name !== 'DataCloneError') return error;
    const index = this.#args.findIndex((arg) => !this.sendable(arg));
    const what =
      index >= 0
        ? `args[${index}] (${typeName(this.#args[index])})`
        : target.kind === 'subclass'
          ? 'a field of the subclass'
          : 'its arguments';
    return unsendableError(this.#name, this.kind, what, error);
  }

  /** Whether one value can travel to this backend. */
  protected sendable(value: unknown): boolean {
    return cloneable(value);
  }
}

Object.defineProperty(Lifecycle.prototype, LIBRARY_PROTOTYPE, { value: true });

function validateLimits(limits: unknown): ResourceLimits | undefined {
  if (limits === undefined) return undefined;
  if (typeof limits !== 'object' || limits === null) {
    throw new TypeError(`Expected \`resourceLimits\` to be an object, ${got(limits)}`);
  }
  for (const [key, value] of Object.entries(limits)) {
    if (!LIMIT_KEYS.has(key)) {
      throw new TypeError(`Unknown resourceLimits key \`${key}\`; expected one of: ${[...LIMIT_KEYS].join(', ')}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`Expected \`resourceLimits.${key}\` to be a finite number > 0, ${got(value)}`);
    }
  }
  return { ...(limits as ResourceLimits) };
}
