// Inside a thread (worker or child process): run one task and leave (Thread, Process), or serve task after task (a pool worker).

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { TaskError, describe } from '../errors.js';
import { claim, isRaised, wakeWaiters } from './cancel-flag.js';
import { NO_TASK, endTask, newTaskContext, setContext, type ThreadContext } from './context.js';
import {
  THREAD_TASK,
  assertNever,
  type Ending,
  type FromThread,
  type TargetSpec,
  type TaskBatch,
  type TaskMessage,
  type ThreadInfo,
  type ToThread,
} from './protocol.js';
import { cachedTarget, ending, importTarget, type Importer } from './run-target.js';
import { serializeThrown } from './serialize.js';
import { sentence } from './unsendable.js';
import { reviveArgs } from '../shared/transfer.js';

/** What the entry of a worker or a child gives the runner. */
interface Side {
  readonly info: ThreadInfo;
  /** The cancel flag (cancel-flag.ts). */
  readonly flag: Int32Array;
  /** Where the cancel reason arrives, read synchronously. */
  readonly port: MessagePort;
  readonly importer: Importer;
  /** Sends a message to the owner; throws when it cannot be cloned. Calls `then` once it is on its way. */
  readonly send: (message: FromThread, then?: () => void) => void;
  /** Tells the owner, synchronously, that the target of task `id` called process.exit(code). */
  exitCalled(id: number, code: number): void;
}

/** A Thread's or Process's one run. */
export interface RunOptions extends Side {
  readonly target: TargetSpec;
  readonly args: unknown[];
  /** Asks the owner whether the target may begin; false when it was cancelled first. Default: the flag says. */
  mayBegin?(): Promise<boolean>;
}

/** A pool worker's serving. */
export interface ServeOptions extends Side {
  readonly initializer: { target: TargetSpec; args: unknown[] } | undefined;
  /** Calls `handler` with every message from the owner, in order (the port's or the IPC channel's listener). */
  listen(handler: (message: ToThread | TaskBatch) => void): void;
  /** Whether the channel from the owner keeps this thread alive: yes while idle, no while a task runs. */
  holdOpen(yes: boolean): void;
  /** A worker thread's handover (cancel-flag.ts), where it claims the tasks that name a cell. */
  readonly handover?: Int32Array;
}

/** The task being run, and how an error from outside its call (a timer, an unhandled rejection) ends it. */
interface Running {
  readonly id: number;
  readonly target: TargetSpec;
  fail(error: unknown): void;
}

let running: Running | undefined;
/** The initializer's task id: no cancel names it (the owner's ids start at 1). */
const INITIALIZER = -2;
const exit = process.exit.bind(process);

/**
 * Runs task `id` (the thread's current task context is set to it) and resolves with its ending.
 * An error thrown from a timer or an unhandled rejection while it runs fails it; the first ending wins.
 */
async function runTask(
  side: Side,
  context: ThreadContext,
  id: number,
  target: TargetSpec,
  args: unknown[],
  mayBegin?: () => Promise<boolean>,
  each = false,
  claimIt?: () => boolean,
  onCall?: () => void,
): Promise<Ending | undefined> {
  const { info, flag, importer, send } = side;
  context.task = newTaskContext(id);
  return new Promise<Ending | undefined>((resolve) => {
    // The first ending wins, at once: after it, running is cleared, so a late error changes nothing.
    const finish = (end: Ending | undefined): void => {
      if (running !== self) return;
      running = undefined;
      resolve(end);
    };
    const self: Running = { id, target, fail: (error) => finish(ending(error, flag, id, target, info)) };
    running = self;
    const run = async (): Promise<void> => {
      let fn: ((...a: unknown[]) => unknown) | undefined;
      try {
        // A subclass's fields may hold shared objects (this.lock = lock): revived before run() is rebuilt.
        if (target.kind === 'subclass') reviveArgs([target.fields]);
        fn = cachedTarget(target, info) ?? (await importTarget(target, info, importer));
        // The shared objects in args, revived from their markers (src/shared/transfer.ts), in place:
        // after the import, so they are instances of the task's own copy of threadkit.
        if (args.some(isObject)) reviveArgs(args);
      } catch (error) {
        return finish(ending(error, flag, id, target, info));
      }
      // Handed over through the flag (a pool worker thread): withdrawn by the owner, it never begins and says nothing.
      if (claimIt !== undefined && !claimIt()) return finish(undefined);
      if (isRaised(flag, id) || !((await mayBegin?.()) ?? true)) return finish({ kind: 'cancelled', id });
      // Once 'running' is on its way (written to the pipe, for a child), the owner knows the target may
      // have begun: a worker that dies before then never began it, so its pool may run it elsewhere.
      // A pool worker thread's claim has told its owner already (the owner reads the handover).
      if (claimIt === undefined) await new Promise<void>((resolve) => send({ kind: 'running', id }, resolve));
      try {
        onCall?.();
        const value = each ? callEach(fn, args[0] as unknown[]) : fn(...args);
        // A target that returned synchronously has its result now, before any microtask it queued.
        finish({ kind: 'completed', id, value: isThenable(value) ? await value : value });
      } catch (error) {
        finish(ending(error, flag, id, target, info));
      }
    };
    void run();
  }).finally(() => {
    endTask(context);
    // A sleep() or cancelSignal() of the task may still wait on the flag: wake it (it sees its task is over).
    wakeWaiters(flag);
    context.task = newTaskContext(NO_TASK);
  });
}

/** Sends an ending; a completed value that cannot be sent becomes a TaskError saying so. */
function sendEnding(side: Side, message: Ending, then?: () => void): void {
  try {
    side.send(message, then);
  } catch (error) {
    const unsent = new TaskError(
      `The return value of ${side.info.name} could not be sent back: ${sentence(describe(error))} ` +
        'Return data that structured clone can copy (no functions, symbols, sockets or class behaviour).',
      { cause: error },
    );
    side.send(
      { kind: 'failed', id: message.id, error: serializeThrown(unsent), ...(message.retire ? { retire: message.retire } : {}) },
      then,
    );
  }
}

/** process.exit() in a task: the owner hears of it first (the task crashes), then the thread exits. */
function interceptExit(side: Side): void {
  process.exit = ((code?: number | string | null) => {
    if (running !== undefined) {
      const id = running.id;
      running = undefined;
      side.exitCalled(id, Number(code ?? process.exitCode ?? 0) || 0);
    }
    exit(code);
  }) as typeof process.exit;
}

/**
 * Runs the target once and ends the thread (process.exit) right after its ending is sent, tearing
 * down whatever the target left running. An error from a timer or an unhandled rejection while
 * the target is pending fails the thread; nothing after the ending changes it.
 */
export async function runThread(options: RunOptions): Promise<void> {
  const context: ThreadContext = {
    info: options.info,
    flag: options.flag,
    port: options.port,
    task: newTaskContext(THREAD_TASK),
    inbox: [],
  };
  setContext(context);
  interceptExit(options);
  process.on('uncaughtException', (error) => running?.fail(error));
  const end = await runTask(options, context, THREAD_TASK, options.target, options.args, options.mayBegin?.bind(options));
  sendEnding(options, end!, () => exit(0));
}

/**
 * Serves tasks one after another until the owner ends the thread: runs the initializer, says
 * `serving`, then for each `task` message runs it and sends its ending. A task that leaves
 * something behind that keeps the event loop alive (a timer, a socket, a server, a child
 * process) retires the worker: its ending says so, and the thread exits instead of taking the
 * next task. An error from outside a task's call while it runs fails that task; one while idle
 * ends the worker (the owner replaces it).
 */
export async function serve(options: ServeOptions): Promise<void> {
  const context: ThreadContext = { info: options.info, flag: options.flag, port: options.port, task: newTaskContext(NO_TASK), inbox: [] };
  setContext(context);
  interceptExit(options);
  process.on('uncaughtException', (error) => {
    if (running !== undefined) return running.fail(error);
    process.stderr.write(`Exception in idle pool worker ${options.info.name}, which leaves:\n${describe(error)}\n`);
    exit(1);
  });

  if (options.initializer !== undefined) {
    options.holdOpen(false);
    const { target, args } = options.initializer;
    const end = (await runTask(options, context, INITIALIZER, target, args))!;
    if (end.kind !== 'completed') {
      const error = end.kind === 'failed' ? end.error : serializeThrown(new Error('the initializer gave up: it was cancelled'));
      options.send({ kind: 'init-failed', error }, () => exit(1));
      return;
    }
  }
  // A task is judged by what it opened: what was there right before its call is the worker's own,
  // also what loading the task opened (a module's own state, the tsx loader's connection).
  options.holdOpen(true);

  const queue: TaskMessage[] = [];
  let busy = false;
  const { handover } = options;
  // Tasks run one after another; the channel is let go (holdOpen(false)) from the first to the
  // moment none is left, so that it never counts as something a task left behind.
  const next = async (): Promise<void> => {
    busy = true;
    options.holdOpen(false);
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
      const { id, cell } = task;
      const claimIt = cell !== undefined && handover !== undefined ? () => claim(handover, cell, id) : undefined;
      let before: Map<string, number> | undefined;
      const end = await runTask(options, context, id, task.target, task.args, undefined, task.each === true, claimIt, () => {
        before = activeResources();
      });
      drainInbox();
      // Withdrawn by the owner (cancelled before it began): it never began, and the owner knows.
      if (end === undefined) continue;
      // A task whose target was never called (it failed to load, or was cancelled first) left nothing of its own.
      const left = before === undefined ? undefined : leftBehind(before, activeResources());
      if (left !== undefined) {
        sendEnding(options, { ...end, retire: `task ${id} left ${left} running` }, () => exit(0));
        return;
      }
      sendEnding(options, end);
    }
    options.holdOpen(true);
    busy = false;
  };
  // The targets the owner has sent, by ref (TaskBatch).
  const targets: TargetSpec[] = [];
  const take = (message: ToThread | TaskBatch): void => {
    if (Array.isArray(message)) {
      for (const [id, ref, args, cell, each, spec] of message) {
        if (spec !== undefined && ref >= 0) targets[ref] = spec;
        queue.push({ kind: 'task', id, target: spec ?? targets[ref]!, args, each: each === 1, ...(cell >= 0 ? { cell } : {}) });
      }
      if (!busy) void next();
      return;
    }
    switch (message.kind) {
      case 'task':
        queue.push(message);
        if (!busy) void next();
        return;
      case 'cancel':
        if (message.id === context.task.id) context.task.reason = message.reason;
        return;
      case 'start':
      case 'serve':
      case 'begin':
        return;
      default:
        assertNever(message);
    }
  };
  // Messages read while a task looked for its cancel reason.
  const drainInbox = () => {
    for (let message = context.inbox.shift(); message !== undefined; message = context.inbox.shift()) take(message);
    for (let received = receiveMessageOnPort(options.port); received; received = receiveMessageOnPort(options.port)) {
      const message = received.message as ToThread | TaskBatch;
      if (Array.isArray(message) || message.kind !== 'cancel') take(message);
    }
  };
  options.listen(take);
  options.send({ kind: 'serving' });
}

/**
 * Requests in flight (a file being closed after an import, a write, a DNS lookup): they end by
 * themselves, so a task that leaves one does not dirty its worker. Handles (timers, sockets,
 * servers, child processes) are what keeps a loop alive for good.
 */
const TRANSIENT = /Req(Callback|Promise|Wrap)?$|^(WriteWrap|ShutdownWrap|ConnectWrap)$/;

/** What keeps this thread's event loop alive for good now, counted by kind (process.getActiveResourcesInfo()). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (!TRANSIENT.test(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** What a task left behind that keeps the loop alive, e.g. "1 Timeout, 1 TCPServerWrap"; undefined when nothing. */
function leftBehind(before: Map<string, number>, after: Map<string, number>): string | undefined {
  const extra: string[] = [];
  for (const [kind, count] of after) {
    const more = count - (before.get(kind) ?? 0);
    if (more > 0) extra.push(`${more} ${kind}`);
  }
  return extra.length === 0 ? undefined : extra.join(', ');
}

/** map() with a chunkSize: the target on each item of the chunk, in order; the array of results. */
function callEach(fn: (...a: unknown[]) => unknown, items: unknown[]): unknown[] | Promise<unknown[]> {
  const results: unknown[] = [];
  for (let i = 0; i < items.length; i += 1) {
    const value = fn(items[i]);
    if (isThenable(value)) {
      return (async () => {
        results.push(await value);
        for (let j = i + 1; j < items.length; j += 1) results.push(await fn(items[j]));
        return results;
      })();
    }
    results.push(value);
  }
  return results;
}

/** Only objects can be (or hold) a shared object's marker. */
function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
