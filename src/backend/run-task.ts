// One task's run inside a thread (worker or child process): its target imported and called once, and the first ending that wins.

import type { MessagePort } from 'node:worker_threads';
import { TaskError, describe } from '../errors.js';
import { isRaised, wakeWaiters } from '../memory/cancel-flag.js';
import { NO_TASK, endTask, newTaskContext, type ThreadContext } from '../memory/context.js';
import type { Ending, FromThread, TargetSpec, ThreadInfo } from '../wire/protocol.js';
import { cachedTarget, ending, importTarget, type Importer } from './run-target.js';
import { serializeThrown } from '../wire/serialize.js';
import { sentence } from './unsendable.js';
import { reviveArgs } from '../serve/transfer.js';
import { isLeaf } from '../shared/walk.js';
import { monoNow } from '../base/clock.js';

/** What the entry of a worker or a child gives the runner. */
export interface Side {
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

/** The task being run, and how an error from outside its call (a timer, an unhandled rejection) ends it. */
interface Running {
  readonly id: number;
  readonly target: TargetSpec;
  fail(error: unknown): void;
}

let running: Running | undefined;

/** Fails the running task with `error`, thrown outside its call (the first ending still wins); false when no task runs. */
export function failRunning(error: unknown): boolean {
  if (running === undefined) return false;
  running.fail(error);
  return true;
}

/** Forgets the running task (its thread is leaving: nothing it does later is its ending); its id, or undefined. */
export function abandonRunning(): number | undefined {
  const id = running?.id;
  running = undefined;
  return id;
}

/** How runTask() runs a task beyond its target and args. */
export interface RunTaskOptions {
  /** Asks the owner whether the target may begin; false when it was cancelled first. Default: the flag says. */
  readonly mayBegin?: () => Promise<boolean>;
  /** map() with a chunkSize: args[0] is the chunk, the target is called on each item. */
  readonly each?: boolean;
  /** A pool worker thread's claim of a handed-over task (cancel-flag.ts); false: withdrawn, it never begins. */
  readonly claimIt?: () => boolean;
  /** Called right before the target is called (leak detection takes its "before" here). */
  readonly onCall?: () => void;
}

/**
 * Runs task `id` (the thread's current task context is set to it) and resolves with its ending;
 * undefined when it was withdrawn before it began (options.claimIt said no).
 * An error thrown from a timer or an unhandled rejection while it runs fails it; the first ending wins.
 */
export async function runTask(
  side: Side,
  context: ThreadContext,
  id: number,
  target: TargetSpec,
  args: unknown[],
  { mayBegin, each = false, claimIt, onCall }: RunTaskOptions = {},
): Promise<Ending | undefined> {
  const { info, flag, importer, send } = side;
  context.task = newTaskContext(id);
  return new Promise<Ending | undefined>((resolve) => {
    // When the target began (monoNow()), for the ending: undefined while it has not.
    let t0: number | undefined;
    // The first ending wins, at once: after it, running is cleared, so a late error changes nothing.
    const finish = (end: Ending | undefined): void => {
      if (running !== self) return;
      running = undefined;
      if (end !== undefined && t0 !== undefined) {
        end.t0 = t0;
        end.t1 = monoNow();
      }
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
        // The shared objects in args, revived from their markers (src/serve/transfer.ts), in place:
        // after the import, so they are instances of the task's own copy of threadkit.
        if (args.some(mayHoldMarker)) reviveArgs(args);
      } catch (error) {
        return finish(ending(error, flag, id, target, info));
      }
      // Handed over through the flag (a pool worker thread): withdrawn by the owner, it never begins and says nothing.
      if (claimIt !== undefined && !claimIt()) return finish(undefined);
      // No await (no microtask hop before the target) unless there is an owner to ask.
      if (isRaised(flag, id) || (mayBegin !== undefined && !(await mayBegin()))) return finish({ kind: 'cancelled', id });
      // Once 'running' is on its way (written to the pipe, for a child), the owner knows the target may
      // have begun: a worker that dies before then never began it, so its pool may run it elsewhere.
      // A pool worker thread's claim has told its owner already (the owner reads the handover).
      t0 = monoNow();
      if (claimIt === undefined) await new Promise<void>((resolve) => send({ kind: 'running', id, t0: t0! }, resolve));
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
export function sendEnding(side: Side, message: Ending, then?: () => void): void {
  try {
    side.send(message, then);
  } catch (error) {
    const unsent = new TaskError(
      `The return value of ${side.info.name} could not be sent back: ${sentence(describe(error))} ` +
        'Return data that structured clone can copy (no functions, symbols, sockets or class behaviour).',
      { cause: error },
    );
    side.send(
      {
        kind: 'failed',
        id: message.id,
        error: serializeThrown(unsent),
        t0: message.t0,
        t1: message.t1,
        ...(message.retire ? { retire: message.retire } : {}),
      },
      then,
    );
  }
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

/** Only objects can be (or hold) a shared object's marker; the leaves the owner's walk never enters (a SharedArrayBuffer, a typed array...) hold none. */
function mayHoldMarker(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !isLeaf(value);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
