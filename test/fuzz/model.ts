// The lifecycle fuzz: a model of what each call history allows, fast-check commands over Thread and Process, and the checks.
//
// A sequence is one subject (a Thread or a Process) running one target kind (./targets.ts) and
// a random list of commands: start / cancel(reason?) / terminate / stop({ graceMs }) /
// join(timeoutMs?) / result(timeoutMs?) / reads / pauses (a microtask, a setImmediate turn, a
// timer of a few ms, or "until the target has begun"). Promise-returning calls are either
// awaited at once or left in flight while the next commands run; each in-flight call is checked
// when it settles, against the subject as it is then.
//
// The model cannot know when the thread really ends (that is the race being fuzzed), so it keeps
// the facts that decide which endings are possible — started, cancelled before/after start,
// forced (terminate/stop) — and `allowed()` turns them into the set of outcome statuses. Calls
// only ever add possibilities (except a cancel before start, fixed at start()), so checking an
// outcome against the model at the moment it is first seen is sound. The checks:
// - the sequence ends: every wait is bounded (DEADLINE_MS), and a subject that must end by
//   itself (it returns, throws, was cancelled and honours it, was stopped) is waited for with
//   join(), not terminated — a hang there is a failure, not a cleanup;
// - the final outcome is in `allowed()` with the right value / error / reason; a target that
//   ignores cancel ends only `terminated` once forced; a subject never started is only `new` or
//   (after terminate/stop) `terminated`; a cancel before start ends it `cancelled` and the
//   target never runs (read back through shared memory for a Thread); a target runs at most once;
// - terminate() and stop() resolve with the outcome, which is `terminated` unless the subject
//   had ended (or reported its ending) before the call;
// - state only moves forward (new < starting < running < cancelling < ended, the chain of
//   src/core/state.ts's table), `cancelling` only after a cancel, isAlive() and outcome and
//   enumerate() agree with state at every read;
// - join() never rejects for a started subject (ThreadStateError before start), resolves true
//   only once ended and false only when given a timeout; result() resolves or rejects exactly as
//   the outcome says (TimeoutError only with a timeout);
// - the excepthook is called once for a `failed` outcome and never otherwise;
// - no unhandled rejection, enumerate() empty, and process.getActiveResourcesInfo() back to what
//   it was before the sequence.
//
// The pool backends (./pools.ts) are such adapters, with the flags of `Backend` for what a Future
// does differently: terminate() is a stop({ graceMs: 0 }) and cancels first, a cancel before
// start() races the worker taking the task, a failure is reported only when unhandled, and a
// process pool's task already sent to its child stays pending until the child sees its cancel.
//
// Adding a backend (a pool Future, where start = submit): write a `Backend` (below). Its
// `create()` returns a `Subject`: for a Future, an adapter object holding the pool and the args
// that answers state 'new' until start(), calls `pool.submit(fn, ...args)` in start() (and
// throws ThreadStateError on a second start()), maps terminate() to `future.stop({ graceMs: 0 })`,
// join(ms) to `wait([future], { timeoutMs: ms })` (true when done) and forwards cancel, stop,
// result, state and outcome. Give `states` its chain (['new', 'pending', 'running',
// 'cancelling', 'ended']), `beforeBegin` (['pending']), `listed: false` (Futures are not in
// enumerate()), and shut the pool down in `dispose()`. Then add one `test()` in
// lifecycle.test.ts and one entry in cli.ts's BACKENDS. The model and the commands stay as they
// are: a cancel of a pending Future (it ends at once, `cancelled`, the target never ran) is
// the model's "cancelled before it began", which `allowed()` already admits.

import fc from 'fast-check';
import { setImmediate as nextTurn, setTimeout as sleepMs } from 'node:timers/promises';
import {
  CancelledError,
  Process,
  TerminatedError,
  Thread,
  ThreadStateError,
  TimeoutError,
  enumerate,
  type ExceptHookInfo,
  type Outcome,
} from 'threadkit';
import { TARGETS, isTargetError, type TargetKind, type TargetName } from './targets.ts';

type Status = Outcome['status'];

/** Every wait of a sequence ends within this; a longer one fails the sequence ("every sequence ends"). */
export const DEADLINE_MS = 10_000;

/** What the sequences did, for the figures of cli.ts and a look at the coverage. */
export const stats = {
  sequences: 0,
  commands: 0,
  endings: new Map<string, number>(),
  /** `cancel() in running` and the like: which calls met which states. */
  calls: new Map<string, number>(),
  call(name: string, state: string): void {
    const key = `${name} in ${state}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  },
  /** Called after each sequence (cli.ts prints progress). */
  onSequence: undefined as ((sequences: number) => void) | undefined,
  record(backend: string, kind: string, commands: number, ending: string): void {
    this.sequences += 1;
    this.onSequence?.(this.sequences);
    this.commands += commands;
    const key = `${backend} ${kind} ${ending}`;
    this.endings.set(key, (this.endings.get(key) ?? 0) + 1);
  },
};

/** What a sequence drives. Thread and Process are Subjects as they are; a pool Future needs an adapter. */
export interface Subject {
  readonly name: string;
  readonly state: string;
  readonly outcome: Outcome | undefined;
  start(): unknown;
  isAlive(): boolean;
  cancel(reason?: unknown): void;
  terminate(): Promise<Outcome>;
  stop(options: { graceMs: number }): Promise<Outcome>;
  join(timeoutMs?: number): Promise<boolean>;
  result(timeoutMs?: number): Promise<unknown>;
  /** A pool task's Future: the excepthook's `info.future` names it. */
  readonly future?: unknown;
}

/** One kind of subject the fuzz can drive. */
export interface Backend {
  readonly name: string;
  /** Every state, in the one order they may be seen (a state may be skipped, never revisited). */
  readonly states: readonly string[];
  /** The states of a started subject whose target has not begun (what "until begun" waits out). */
  readonly beforeBegin: readonly string[];
  /** Whether the target's memory is shared with this side, so its `ran` counter can be read back. */
  readonly sharesMemory: boolean;
  /** Whether a live subject is listed by enumerate(). */
  readonly listed: boolean;
  /** A new, not started subject running `fn(...args)`; `daemon` where the backend has it. */
  create(fn: (...args: unknown[]) => unknown, args: unknown[], options: { daemon: boolean }): Subject;
  /**
   * terminate() is a stop({ graceMs: 0 }): it cancels first, so a target that honours cancel may
   * end as it does on a cancel (a pool Future, which has no terminate()). Default false.
   */
  readonly terminateCancels?: boolean;
  /**
   * A cancel of a started subject whose target has not begun may leave it in `beforeBegin` until
   * the worker sees the cancel (a process pool's task already sent to its child), instead of
   * moving it to cancelling or ending it at once. Default false.
   */
  readonly cancelMayWait?: boolean;
  /**
   * A `failed` outcome is reported through the excepthook only when nobody called result() by the
   * next turn after it failed (a pool Future), not always (a Thread). Default false.
   */
  readonly reportsUnhandledOnly?: boolean;
  /**
   * join() counts as handling a failure once it resolves true (a pool adapter's join() is
   * `wait([future])`, and a failed future in wait()'s `done` set is handled: API.md section 12).
   * Default false (Thread#join() never handles).
   */
  readonly joinHandles?: boolean;
  /**
   * A cancel() before start() is passed on right after the start (a pool adapter cancels the
   * future it just submitted): it races the worker taking the task, so the target may run, as
   * after a cancel just after start(). Default false (the target never runs).
   */
  readonly cancelBeforeStartRaces?: boolean;
  /** Readies what the backend keeps across sequences (a warm pool) before a sequence takes its baseline of handles. */
  prepare?(): Promise<void>;
  /**
   * Releases what the backend holds after a sequence, and checks it (a pool: a fresh task on its
   * worker). After a `failed` sequence it drops what it kept instead, so the next try (fast-check's
   * shrinking) starts afresh.
   */
  dispose?(failed: boolean): Promise<void>;
}

const LIFECYCLE_STATES = ['new', 'starting', 'running', 'cancelling', 'ended'] as const;

export const ThreadBackend: Backend = {
  name: 'Thread',
  states: LIFECYCLE_STATES,
  beforeBegin: ['starting'],
  sharesMemory: true,
  listed: true,
  create: (fn, args, { daemon }) => new Thread({ target: fn, args, daemon }),
};

export const ProcessBackend: Backend = {
  name: 'Process',
  states: LIFECYCLE_STATES,
  beforeBegin: ['starting'],
  // A child gets a copy of the SharedArrayBuffer: `ran` cannot be read back.
  sharesMemory: false,
  listed: true,
  create: (fn, args, { daemon }) => new Process({ target: fn, args, daemon }),
};

/** The facts about the calls made so far that decide which endings are possible. */
export interface Model {
  readonly kind: TargetKind;
  readonly token: number;
  /** start() succeeded. */
  started: boolean;
  /** terminate() or stop() was called before start(): the subject ended `terminated`, never started. */
  endedBeforeStart: boolean;
  /** cancel() was called before start(): it ends `cancelled`, the target never runs. */
  cancelledBeforeStart: boolean;
  /** cancel() or stop() was called after start(). */
  cancelledAfterStart: boolean;
  /** terminate() or stop() was called after start(). */
  forced: boolean;
  /** The reason of the first cancel (stop() cancels with none): the `cancelled` outcome's reason. */
  firstCancel: { reason: unknown } | undefined;
}

function newModel(kind: TargetKind, token: number): Model {
  return {
    kind,
    token,
    started: false,
    endedBeforeStart: false,
    cancelledBeforeStart: false,
    cancelledAfterStart: false,
    forced: false,
    firstCancel: undefined,
  };
}

/** The subject is in its initial state: never started, never ended. */
const isNew = (m: Model): boolean => !m.started && !m.endedBeforeStart;

/** The outcome statuses the calls made so far allow; empty while none is possible (not started, or never ends). */
export function allowed(m: Model): Set<Status> {
  if (!m.started) return new Set(m.endedBeforeStart ? ['terminated'] : []);
  if (m.cancelledBeforeStart) return new Set(['cancelled']);
  const statuses = new Set<Status>();
  if (m.kind.alone !== null) statuses.add(m.kind.alone);
  if (m.cancelledAfterStart) {
    statuses.add('cancelled'); // the cancel reached it before its target began
    if (m.kind.onCancel !== null) statuses.add(m.kind.onCancel);
  }
  if (m.forced) statuses.add('terminated');
  return statuses;
}

/** Why the subject must end without (more) help, or null when only a terminate() ends it. */
function mustEnd(m: Model): string | null {
  if (!m.started) return null;
  if (m.cancelledBeforeStart) return 'it was cancelled before start()';
  if (m.kind.alone !== null) return `its target ${m.kind.name} ends by itself`;
  if (m.cancelledAfterStart && m.kind.onCancel !== null) return `it was cancelled and its target ${m.kind.name} honours cancel`;
  if (m.forced) return 'terminate() or stop() was called';
  return null;
}

/** The system under test, with what the checks have found so far. */
export interface Real {
  readonly backend: Backend;
  readonly subject: Subject;
  /** ran[0]: how many times the target began (shared memory; a Process's child has a copy). */
  readonly ran: Int32Array;
  readonly inFlight: Array<Promise<void>>;
  readonly problems: string[];
  /** What happened, in order, for the failure message. */
  readonly log: string[];
  readonly startedAt: number;
  readonly reports: ExceptHookInfo[];
  readonly unhandled: unknown[];
  lastState: string;
  /** For reportsUnhandledOnly: the excepthook reports already made when result() was first called on the started subject. */
  handledWithReports: number | undefined;
  /** A cancel() (or the start() after one) ended the subject `cancelled` there and then: its target never runs. */
  cancelledAtOnce: boolean;
  /** The outcome as first seen; it never changes after. */
  seen: Outcome | undefined;
}

function note(real: Real, line: string): void {
  real.log.push(`${(performance.now() - real.startedAt).toFixed(1).padStart(7)} ms  ${line}`);
}

function problem(real: Real, message: string): void {
  note(real, `PROBLEM: ${message}`);
  real.problems.push(message);
}

function failIfProblems(real: Real): void {
  if (real.problems.length === 0) return;
  throw new Error(
    `${real.backend.name} ${real.subject.name}: ${real.problems.join('; ')}\n` +
      `What happened (ms since the sequence began):\n${real.log.join('\n')}`,
  );
}

function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Whether `outcome` is one the model allows, with the right value, error or reason; why not otherwise. */
function outcomeProblem(outcome: Outcome, m: Model): string | null {
  const statuses = allowed(m);
  if (!statuses.has(outcome.status)) {
    return `outcome ${show(outcome)} is not one of the allowed [${[...statuses].join(', ')}] for target ${m.kind.name} (${describeModel(m)})`;
  }
  switch (outcome.status) {
    case 'completed':
      return m.kind.completesWith(outcome.value, m.token)
        ? null
        : `completed with ${show(outcome.value)}, not what target ${m.kind.name} returns`;
    case 'failed':
      return isTargetError(outcome.error, m.token) ? null : `failed with ${show(outcome.error)}, not the target's own error`;
    case 'cancelled':
      return Object.is(outcome.reason, m.firstCancel?.reason)
        ? null
        : `cancelled with reason ${show(outcome.reason)}, not the first cancel's ${show(m.firstCancel?.reason)}`;
    case 'terminated':
      return null;
  }
}

function describeModel(m: Model): string {
  const facts = Object.entries(m).filter(([key, value]) => value === true && key !== 'kind');
  return facts.map(([key]) => key).join(', ') || 'nothing called';
}

/** Reads the subject and checks that what it says agrees with itself, its past and the model. */
function sample(m: Model, real: Real, where: string): void {
  const { subject, backend } = real;
  const state = subject.state;
  const alive = subject.isAlive();
  const outcome = subject.outcome;
  const rank = backend.states.indexOf(state);
  const final = backend.states[backend.states.length - 1];
  if (rank < 0) problem(real, `${where}: unknown state ${show(state)}`);
  if (rank < backend.states.indexOf(real.lastState)) problem(real, `${where}: state went back from ${real.lastState} to ${state}`);
  if (state !== real.lastState) note(real, `state ${real.lastState} -> ${state} (seen ${where})`);
  real.lastState = state;
  if (alive !== (state !== backend.states[0] && state !== final)) problem(real, `${where}: isAlive() is ${alive} in state ${state}`);
  if ((outcome !== undefined) !== (state === final)) problem(real, `${where}: outcome ${show(outcome)} in state ${state}`);
  if ((state === backend.states[0]) !== isNew(m)) problem(real, `${where}: state ${state} although ${describeModel(m)}`);
  if (state === 'cancelling' && m.firstCancel === undefined) problem(real, `${where}: state cancelling without a cancel`);
  if (backend.listed && enumerate().includes(subject as Thread) !== alive) {
    problem(real, `${where}: enumerate() ${alive ? 'lacks' : 'still lists'} the subject in state ${state}`);
  }
  if (backend.sharesMemory) {
    const ran = Atomics.load(real.ran, 0);
    if (ran > 1) problem(real, `${where}: the target ran ${ran} times`);
    if (ran > 0 && (!m.started || m.cancelledBeforeStart)) problem(real, `${where}: the target ran although ${describeModel(m)}`);
    if (ran > 0 && real.cancelledAtOnce)
      problem(real, `${where}: the target ran although a cancel() had ended the subject before it began`);
  }
  if (outcome !== undefined) {
    if (real.seen === undefined) {
      real.seen = outcome;
      note(real, `outcome ${show(outcome)} (seen ${where})`);
      const wrong = outcomeProblem(outcome, m);
      if (wrong !== null) problem(real, `${where}: ${wrong}`);
    } else if (outcome !== real.seen) {
      problem(real, `${where}: outcome changed from ${show(real.seen)} to ${show(outcome)}`);
    }
  }
}

/** Resolves with `promise`, or rejects when it has not settled within `ms` ("every sequence ends"). */
async function within<V>(promise: Promise<V>, ms: number, what: string): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Watches a call's promise: `settled` runs when it settles, after a fresh read of the subject. */
function track<V>(
  m: Model,
  real: Real,
  call: string,
  promise: Promise<V>,
  settled: (result: { value: V } | { error: unknown }) => void,
): Promise<void> {
  const done = promise
    .then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    )
    .then((result) => {
      note(real, `${call} ${'value' in result ? `resolved ${show(result.value)}` : `rejected ${show(result.error)}`}`);
      sample(m, real, `when ${call} settled`);
      settled(result);
    })
    .catch((error: unknown) => problem(real, `checking ${call} threw ${show(error)}`));
  real.inFlight.push(done);
  return done;
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** The subject must end; awaits `done` when the model says it settles, else leaves it in flight. */
async function maybeAwait(m: Model, real: Real, awaited: boolean, bounded: boolean, call: string, done: Promise<void>): Promise<void> {
  if (awaited && (bounded || mustEnd(m) !== null)) await within(done, DEADLINE_MS, call);
}

class Start implements Cmd {
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    sample(m, real, 'before start()');
    const expectOk = isNew(m);
    try {
      real.subject.start();
      note(real, 'start()');
      if (!expectOk) problem(real, `start() did not throw although ${describeModel(m)}`);
    } catch (error) {
      note(real, `start() threw ${show(error)}`);
      if (expectOk || !(error instanceof ThreadStateError)) problem(real, `start() threw ${show(error)} (${describeModel(m)})`);
    }
    if (expectOk) {
      m.started = true;
      const races = real.backend.cancelBeforeStartRaces === true;
      m.cancelledBeforeStart = m.firstCancel !== undefined && !races;
      if (m.firstCancel !== undefined && races) m.cancelledAfterStart = true;
    }
    // A pool adapter's start() after a cancel() may end it there and then.
    if (expectOk && real.subject.outcome?.status === 'cancelled') real.cancelledAtOnce = true;
    sample(m, real, 'after start()');
    failIfProblems(real);
  }
  toString = () => 'start()';
}

class Cancel implements Cmd {
  constructor(readonly reason: unknown) {}
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    sample(m, real, 'before cancel()');
    const before = real.subject.state;
    const first = m.firstCancel === undefined;
    stats.call('cancel()', before);
    real.subject.cancel(this.reason);
    note(real, this.toString());
    // Ended by the cancel itself: its target had not begun, and never does.
    if (before !== 'ended' && real.subject.outcome?.status === 'cancelled') real.cancelledAtOnce = true;
    m.firstCancel ??= { reason: this.reason };
    if (m.started) m.cancelledAfterStart = true;
    const after = real.subject.state;
    // The first cancel of a live subject moves it to cancelling (a Future that never began may end at once).
    const mayWait = real.backend.cancelMayWait === true && real.backend.beforeBegin.includes(after);
    if (first && m.started && before !== 'ended' && after !== 'cancelling' && after !== 'ended' && !mayWait) {
      problem(real, `state ${after} right after the first cancel() in state ${before}`);
    }
    sample(m, real, 'after cancel()');
    failIfProblems(real);
  }
  toString = () => `cancel(${this.reason === undefined ? '' : show(this.reason)})`;
}

/** terminate() or stop(): resolves with the outcome, `terminated` unless the subject had ended (or reported it) before. */
class Force implements Cmd {
  constructor(
    readonly graceMs: number | null,
    readonly awaited: boolean,
  ) {}
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    const call = this.graceMs === null ? 'terminate()' : `stop({ graceMs: ${this.graceMs} })`;
    sample(m, real, `before ${call}`);
    const { subject } = real;
    const endedBefore = subject.outcome;
    const wasNew = isNew(m);
    stats.call(this.graceMs === null ? 'terminate()' : 'stop()', subject.state);
    if (wasNew) m.endedBeforeStart = true;
    if (m.started && (this.graceMs !== null || real.backend.terminateCancels === true)) {
      m.firstCancel ??= { reason: undefined };
      m.cancelledAfterStart = true;
    }
    // What it may end with if its ending was on its way before the force: the model before it.
    const before = allowed(m);
    if (m.started) m.forced = true;
    const promise = this.graceMs === null ? subject.terminate() : subject.stop({ graceMs: this.graceMs });
    note(real, call);
    const done = track(m, real, call, promise, (result) => {
      if (!('value' in result)) return problem(real, `${call} rejected with ${show(result.error)}`);
      const outcome = result.value;
      if (outcome !== subject.outcome) problem(real, `${call} resolved with ${show(outcome)}, but outcome is ${show(subject.outcome)}`);
      if (endedBefore !== undefined && outcome !== endedBefore)
        problem(real, `${call} after the end resolved with ${show(outcome)}, not ${show(endedBefore)}`);
      if (wasNew && outcome?.status !== 'terminated') problem(real, `${call} before start() resolved with ${show(outcome)}`);
      if (outcome !== undefined && outcome.status !== 'terminated' && !before.has(outcome.status)) {
        problem(real, `${call} resolved with ${show(outcome)}; before it only [${[...before].join(', ')}] or terminated were possible`);
      }
    });
    sample(m, real, `after ${call}`);
    await maybeAwait(m, real, this.awaited, true, call, done);
    failIfProblems(real);
  }
  toString = () => `${this.awaited ? 'await ' : ''}${this.graceMs === null ? 'terminate()' : `stop({ graceMs: ${this.graceMs} })`}`;
}

/** join(timeoutMs?) or result(timeoutMs?). */
class Wait implements Cmd {
  constructor(
    readonly method: 'join' | 'result',
    readonly timeoutMs: number | undefined,
    readonly awaited: boolean,
  ) {}
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    const call = `${this.method}(${this.timeoutMs ?? ''})`;
    sample(m, real, `before ${call}`);
    const { subject } = real;
    const wasNew = isNew(m);
    const timed = this.timeoutMs !== undefined;
    stats.call(`${this.method}()`, subject.state);
    const promise = this.method === 'join' ? subject.join(this.timeoutMs) : subject.result(this.timeoutMs);
    if (this.method === 'result' && !wasNew) markHandled(real);
    note(real, call);
    const done = track(m, real, call, promise, (result) => {
      if (wasNew) {
        if ('value' in result || !(result.error instanceof ThreadStateError))
          problem(real, `${call} before start() did not reject with ThreadStateError`);
        return;
      }
      const outcome = subject.outcome;
      if (this.method === 'join') {
        if (!('value' in result)) return problem(real, `${call} rejected with ${show(result.error)} for a started subject`);
        if (result.value === true && real.backend.joinHandles === true) markHandled(real);
        if (result.value === true && outcome === undefined) problem(real, `${call} resolved true while state is ${subject.state}`);
        if (result.value === false && !timed) problem(real, `${call} without a timeout resolved false`);
        if (typeof result.value !== 'boolean') problem(real, `${call} resolved with ${show(result.value)}`);
        return;
      }
      if (!('value' in result) && result.error instanceof TimeoutError) {
        if (!timed) problem(real, `${call} without a timeout rejected with TimeoutError`);
        return;
      }
      if (outcome === undefined) return problem(real, `${call} settled while state is ${subject.state}`);
      const wrong = resultProblem(outcome, result);
      if (wrong !== null) problem(real, `${call}: ${wrong}`);
    });
    sample(m, real, `after ${call}`);
    await maybeAwait(m, real, this.awaited, timed || wasNew, call, done);
    failIfProblems(real);
  }
  toString = () => `${this.awaited ? 'await ' : ''}${this.method}(${this.timeoutMs ?? ''})`;
}

/** result() was called on the started subject: a pool Future's failure is reported only if it was before. */
function markHandled(real: Real): void {
  real.handledWithReports ??= reportsOf(real).length;
}

/** The excepthook reports about this sequence's subject. */
function reportsOf(real: Real): ExceptHookInfo[] {
  const { subject } = real;
  // The subject may be an adapter around the thread (a test backend): match the Thread by its unique name too; a pool Future by itself.
  return real.reports.filter(
    (info) =>
      info.thread === (subject as unknown) ||
      info.thread.name === subject.name ||
      (subject.future !== undefined && info.future === subject.future),
  );
}

/** How result() must settle for `outcome`; why it did not otherwise. */
function resultProblem(outcome: Outcome, result: { value: unknown } | { error: unknown }): string | null {
  const got = 'value' in result ? `resolved ${show(result.value)}` : `rejected ${show(result.error)}`;
  switch (outcome.status) {
    case 'completed':
      return 'value' in result && Object.is(result.value, outcome.value) ? null : `${got} for ${show(outcome)}`;
    case 'failed':
      return 'error' in result && result.error === outcome.error ? null : `${got} for ${show(outcome)}`;
    case 'cancelled':
      return 'error' in result && result.error instanceof CancelledError && Object.is(result.error.reason, outcome.reason)
        ? null
        : `${got} for ${show(outcome)}`;
    case 'terminated':
      return 'error' in result && result.error instanceof TerminatedError ? null : `${got} for ${show(outcome)}`;
  }
}

class Read implements Cmd {
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    sample(m, real, 'on a read');
    failIfProblems(real);
  }
  toString = () => 'read state, isAlive(), outcome';
}

/** A call with a bad argument: rejects with RangeError, and nothing changes (validated before anything is done). */
class Misuse implements Cmd {
  constructor(readonly call: 'join(-1)' | 'result(NaN)' | 'stop({ graceMs: -1 })') {}
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    sample(m, real, `before ${this.call}`);
    const { subject } = real;
    const state = subject.state;
    const promise =
      this.call === 'join(-1)'
        ? subject.join(-1)
        : this.call === 'result(NaN)'
          ? subject.result(Number.NaN)
          : subject.stop({ graceMs: -1 });
    // A refused result() does nothing (API.md section 12): it does not handle a failure either.
    const done = track(m, real, this.call, promise, (result) => {
      if (!('error' in result) || !(result.error instanceof RangeError)) problem(real, `${this.call} did not reject with RangeError`);
    });
    // The state may move on by itself between two reads (a pool Future reads it from shared memory:
    // its target may begin, or end); what a refused call must never do is cancel or stop the subject.
    const outcome = subject.outcome?.status;
    if (subject.state !== state && (subject.state === 'cancelling' || outcome === 'cancelled' || outcome === 'terminated')) {
      problem(real, `${this.call} moved the state from ${state} to ${subject.state}`);
    }
    sample(m, real, `after ${this.call}`);
    await within(done, DEADLINE_MS, this.call);
    failIfProblems(real);
  }
  toString = () => `await ${this.call}`;
}

type PauseKind = { kind: 'microtask' } | { kind: 'turn' } | { kind: 'timer'; ms: number } | { kind: 'begun' };

/** Lets time pass: the awaited steps between calls. */
class Pause implements Cmd {
  constructor(readonly pause: PauseKind) {}
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    switch (this.pause.kind) {
      case 'microtask':
        await Promise.resolve();
        break;
      case 'turn':
        await nextTurn();
        break;
      case 'timer':
        await sleepMs(this.pause.ms);
        break;
      case 'begun': {
        // No event says "the target began" for every backend: read the state each millisecond, bounded.
        const deadline = performance.now() + DEADLINE_MS;
        while (real.backend.beforeBegin.includes(real.subject.state)) {
          if (performance.now() > deadline) throw new Error(`${real.subject.name} still ${real.subject.state} after ${DEADLINE_MS} ms`);
          await sleepMs(1);
        }
        break;
      }
    }
    sample(m, real, `after ${this.toString()}`);
    failIfProblems(real);
  }
  toString = () => {
    const p = this.pause;
    return p.kind === 'timer' ? `wait ${p.ms} ms` : p.kind === 'begun' ? 'wait until begun' : `wait a ${p.kind}`;
  };
}

/** Limits of the generated sequences. */
export interface SequenceLimits {
  /** Most commands in one sequence. */
  readonly maxCommands: number;
  /** Longest timer pause, join/result timeout and stop() grace, in ms. */
  readonly maxMs: number;
}

export const DEFAULT_LIMITS: SequenceLimits = { maxCommands: 10, maxMs: 30 };

/** The command arbitraries. */
function commandArbitraries(limits: SequenceLimits): Array<fc.Arbitrary<Cmd>> {
  const ms = fc.integer({ min: 0, max: limits.maxMs });
  const timeout = fc.option(ms, { nil: undefined, freq: 3 });
  const reason = fc.oneof(
    fc.constant(undefined),
    fc.constant('enough'),
    fc.integer({ min: 0, max: 9 }).map((n) => ({ stopRequest: n })),
  );
  const start = fc.constant(new Start());
  const cancel = reason.map((r) => new Cancel(r));
  const pause = fc
    .oneof(
      fc.constant<PauseKind>({ kind: 'microtask' }),
      fc.constant<PauseKind>({ kind: 'turn' }),
      ms.map<PauseKind>((n) => ({ kind: 'timer', ms: n })),
      { arbitrary: fc.constant<PauseKind>({ kind: 'begun' }), weight: 2 },
    )
    .map((p) => new Pause(p));
  // Weights by repetition (fc.commands picks one arbitrary uniformly). The opening of a sequence
  // (lifecycleProperty) starts most subjects; start() here is the second start(), or a late first one.
  return [
    start,
    cancel,
    cancel,
    fc.boolean().map((awaited) => new Force(null, awaited)),
    fc.tuple(ms, fc.boolean()).map(([graceMs, awaited]) => new Force(graceMs, awaited)),
    fc.tuple(timeout, fc.boolean()).map(([t, awaited]) => new Wait('join', t, awaited)),
    fc.tuple(timeout, fc.boolean()).map(([t, awaited]) => new Wait('result', t, awaited)),
    fc.constant(new Read()),
    fc.constantFrom('join(-1)', 'result(NaN)', 'stop({ graceMs: -1 })').map((call) => new Misuse(call)),
    pause,
    pause,
    pause,
  ];
}

/** Requests in flight (they end by themselves), as src/backend/run-leaks.ts counts them. */
const REQUEST = /Req(Callback|Promise|Wrap)?$|^(WriteWrap|ShutdownWrap|ConnectWrap)$/;

/**
 * Active handles by type, less requests in flight: threadkit makes none on this side that
 * outlives a call, while tsx writes its transform cache from this thread on a cold start
 * (test/leaks.test.ts checks requests on their own).
 */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) if (!REQUEST.test(type)) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

const sameCounts = (a: Record<string, number>, b: Record<string, number>): boolean =>
  Object.keys({ ...a, ...b }).every((key) => (a[key] ?? 0) === (b[key] ?? 0));

/**
 * Waits (bounded) until the active resources equal `baseline`: a closed handle leaves the list
 * only after its close callback, which has no event to await. Returns the last count.
 */
async function drainTo(baseline: Record<string, number>): Promise<Record<string, number>> {
  let now = resources();
  for (let i = 0; i < 200 && !sameCounts(now, baseline); i += 1) {
    if (i < 20) await nextTurn();
    else await sleepMs(5);
    now = resources();
  }
  return now;
}

/** Ends the sequence: lets the subject end as the model says it must (or terminates it), then runs the final checks. */
async function finish(m: Model, real: Real): Promise<void> {
  const { subject } = real;
  sample(m, real, 'at the end');
  const why = mustEnd(m);
  if (why !== null) {
    note(real, `join() at the end: it must end because ${why}`);
    await within(subject.join(), DEADLINE_MS, `join() at the end (${why})`).then(
      (joined) => {
        if (joined && real.backend.joinHandles === true) markHandled(real);
      },
      (error: unknown) => problem(real, show(error)),
    );
  } else if (m.started) {
    await new Force(null, true).run(m, real);
  }
  await within(Promise.all(real.inFlight), DEADLINE_MS, 'the calls in flight').catch((error: unknown) => problem(real, show(error)));
  sample(m, real, 'after the end');
  const outcome = subject.outcome;
  if (outcome === undefined) {
    if (!isNew(m)) problem(real, `no outcome at the end although ${describeModel(m)}`);
  } else {
    const wrong = outcomeProblem(outcome, m);
    if (wrong !== null) problem(real, `at the end: ${wrong}`);
  }
  if (real.backend.sharesMemory && (outcome?.status === 'completed' || outcome?.status === 'failed') && Atomics.load(real.ran, 0) !== 1) {
    problem(real, `${outcome.status} although the target ran ${Atomics.load(real.ran, 0)} times`);
  }
  // A pool Future's failure is reported on the turn after it failed.
  if (real.backend.reportsUnhandledOnly === true) for (let i = 0; i < 2; i += 1) await nextTurn();
  const reports = reportsOf(real);
  // A pool Future's failure is reported only when result() had not been called (or join() had not
  // returned it ended, where joinHandles) by then (reports made before that count).
  const unhandledOnly = real.backend.reportsUnhandledOnly === true && real.handledWithReports !== undefined;
  const expected = outcome?.status === 'failed' && (!unhandledOnly || real.handledWithReports! > 0) ? 1 : 0;
  if (reports.length !== expected) problem(real, `excepthook called ${reports.length} times for outcome ${show(outcome)}`);
  if (expected === 1 && outcome?.status === 'failed' && reports[0]?.error !== outcome.error)
    problem(real, 'excepthook got another error than the outcome');
  failIfProblems(real);
}

/** Everything a failed or passed sequence may have left: terminates the subject, awaits its calls (bounded). */
async function cleanUp(real: Real, failed: boolean): Promise<void> {
  if (real.subject.isAlive()) await within(real.subject.terminate(), DEADLINE_MS, 'terminate() in the clean-up').catch(() => {});
  await within(Promise.all(real.inFlight), DEADLINE_MS, 'the calls in flight').catch(() => {});
  await real.backend.dispose?.(failed).catch((error: unknown) => problem(real, show(error)));
}

/** Runs one sequence of `commands` on a new subject of `backend` with target `kindName`; throws what it found. */
export async function runSequence(
  backend: Backend,
  kindName: TargetName,
  token: number,
  daemon: boolean,
  commands: readonly Cmd[],
): Promise<void> {
  await backend.prepare?.();
  for (let i = 0; i < 3; i += 1) await nextTurn();
  const baseline = resources();
  const kind: TargetKind = TARGETS[kindName];
  const ran = new Int32Array(new SharedArrayBuffer(4));
  const real: Real = {
    backend,
    subject: backend.create(kind.fn as (...args: unknown[]) => unknown, [ran, token], { daemon }),
    ran,
    inFlight: [],
    problems: [],
    log: [],
    startedAt: performance.now(),
    reports: [],
    unhandled: [],
    lastState: backend.states[0] as string,
    handledWithReports: undefined,
    cancelledAtOnce: false,
    seen: undefined,
  };
  note(real, `${backend.name} ${real.subject.name}${daemon ? ' (daemon)' : ''}, target ${kind.name}, token ${token}`);
  const model = newModel(kind, token);
  const onUnhandled = (reason: unknown) => {
    real.unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  let passed = false;
  const savedHook = Thread.excepthook;
  Thread.excepthook = (info) => {
    real.reports.push(info);
  };
  try {
    await fc.asyncModelRun(() => ({ model, real }), commands);
    await finish(model, real);
    passed = true;
  } finally {
    await cleanUp(real, !passed);
    // An unhandled rejection is reported after the turn it happened in.
    for (let i = 0; i < 3; i += 1) await nextTurn();
    process.off('unhandledRejection', onUnhandled);
    Thread.excepthook = savedHook;
  }
  stats.record(backend.name, kind.name, commands.length, real.subject.outcome?.status ?? real.subject.state);
  if (real.unhandled.length > 0) problem(real, `unhandled rejection: ${real.unhandled.map(show).join(', ')}`);
  const left = enumerate();
  if (left.length > 0) problem(real, `enumerate() still lists ${left.map((t) => `${t.name} (${t.state})`).join(', ')}`);
  const after = await drainTo(baseline);
  if (!sameCounts(after, baseline)) problem(real, `active resources ${show(after)}, before the sequence ${show(baseline)}`);
  failIfProblems(real);
}

/** Options of one fuzz run over one backend. */
export interface FuzzOptions {
  readonly backend: Backend;
  readonly numRuns: number;
  readonly seed: number;
  /** fast-check's path of a failure to replay (printed with the seed). */
  readonly path?: string;
  readonly limits?: SequenceLimits;
  /** Stop after the first failure instead of shrinking it (shrinking a timing failure can take long). */
  readonly endOnFailure?: boolean;
  /** Fail when the runs (and the shrinking of a failure) take longer; the failure found so far is reported. */
  readonly timeLimitMs?: number;
}

/**
 * The property: any target kind, any token, daemon or not, and any sequence of commands ends as the model says.
 * A sequence is a few commands on the new subject, an opening (start(), and often a wait until
 * its target has begun, so that the later commands meet every state, not mostly 'starting'),
 * then the main commands.
 */
export function lifecycleProperty(backend: Backend, limits: SequenceLimits = DEFAULT_LIMITS) {
  const kinds = Object.keys(TARGETS) as TargetName[];
  const commands = commandArbitraries(limits);
  const opening = fc.oneof(
    { arbitrary: fc.constant<Cmd[]>([]), weight: 1 },
    { arbitrary: fc.constant<Cmd[]>([new Start()]), weight: 4 },
    { arbitrary: fc.constant<Cmd[]>([new Start(), new Pause({ kind: 'begun' })]), weight: 4 },
  );
  return fc.asyncProperty(
    fc.constantFrom(...kinds),
    fc.integer({ min: 1, max: 1_000_000 }),
    // A daemon's join()/result() hold the program alive by ref() and unref() of its thread.
    fc.boolean(),
    fc.commands(commands, { maxCommands: 3 }),
    opening,
    fc.commands(commands, { maxCommands: limits.maxCommands }),
    (kind, token, daemon, before, open, main) => runSequence(backend, kind, token, daemon, [...before, ...open, ...main]),
  );
}

/**
 * Runs the property `numRuns` times with `seed`. On failure fast-check's error says the seed,
 * the path and the shrunk sequence; replay it with FUZZ_SEED=<seed> FUZZ_PATH=<path> (see cli.ts).
 */
export async function fuzzLifecycle(options: FuzzOptions): Promise<void> {
  await fc.assert(lifecycleProperty(options.backend, options.limits), {
    numRuns: options.numRuns,
    seed: options.seed,
    ...(options.path === undefined ? {} : { path: options.path }),
    endOnFailure: options.endOnFailure ?? false,
    // The sequence's own log is in its error: print it in the report, not only as its cause.
    includeErrorInReport: true,
    ...(options.timeLimitMs === undefined ? {} : { plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs, { failOnInterrupt: true })] }),
  });
}
