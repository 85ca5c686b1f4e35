// Inside a thread (worker or child process): install the context, run the target, send the one ending, leave.

import { TaskError, describe } from '../errors.js';
import { isRaised } from './cancel-flag.js';
import { setContext } from './context.js';
import { sentence } from './unsendable.js';
import type { FromThread, TargetSpec, ThreadInfo } from './protocol.js';
import { ending, loadTarget, type Importer } from './run-target.js';
import type { MessagePort } from 'node:worker_threads';
import { reviveArgs } from '../shared/transfer.js';

type Ending = Extract<FromThread, { kind: 'completed' | 'failed' | 'cancelled' }>;

/** What the entry of a worker or a child gives the runner. */
export interface RunOptions {
  readonly info: ThreadInfo;
  readonly target: TargetSpec;
  readonly args: unknown[];
  /** The cancel flag (cancel-flag.ts). */
  readonly flag: Int32Array;
  /** Where the cancel reason arrives, read synchronously. */
  readonly port: MessagePort;
  readonly importer: Importer;
  /** Sends a message to the owner; throws when it cannot be cloned. Calls `then` once it is on its way. */
  readonly send: (message: FromThread, then?: () => void) => void;
  /** Tells the owner, synchronously, that the target called process.exit(code). */
  exitCalled(code: number): void;
  /** Asks the owner whether the target may begin; false when it was cancelled first. Default: the flag says. */
  mayBegin?(): Promise<boolean>;
}

/**
 * Runs the target once and ends the thread (process.exit) right after its ending is sent, tearing
 * down whatever the target left running. An error from a timer or an unhandled rejection while
 * the target is pending fails the thread; nothing after the ending changes it.
 */
export async function runThread(options: RunOptions): Promise<void> {
  const { info, target, args, flag, port, importer, send } = options;
  setContext({ info, flag, port, reason: undefined, controller: undefined });
  const exit = process.exit.bind(process);
  let done = false;

  const finish = (message: Ending) => {
    if (done) return;
    done = true;
    const leave = () => exit(0);
    try {
      send(message, leave);
    } catch (error) {
      const unsent = new TaskError(
        `The return value of ${info.name} could not be sent back: ${sentence(describe(error))} ` +
          'Return data that structured clone can copy (no functions, symbols, sockets or class behaviour).',
        { cause: error },
      );
      send(ending(unsent, flag, target, info), leave);
    }
  };

  process.exit = ((code?: number | string | null) => {
    if (!done) {
      done = true;
      options.exitCalled(Number(code ?? process.exitCode ?? 0) || 0);
    }
    exit(code);
  }) as typeof process.exit;
  process.on('uncaughtException', (error) => finish(ending(error, flag, target, info)));

  let call: () => unknown;
  try {
    if (target.kind === 'subclass') reviveArgs([target.fields]);
    call = await loadTarget(target, args, info, importer);
    // The shared objects in args, revived from their markers (src/shared/transfer.ts), in place:
    // after the import, so they are instances of the task's own copy of threadkit.
    reviveArgs(args);
  } catch (error) {
    finish(ending(error, flag, target, info));
    return;
  }
  if (isRaised(flag) || !((await options.mayBegin?.()) ?? true)) {
    finish({ kind: 'cancelled' });
    return;
  }
  send({ kind: 'running' });
  try {
    const value = call();
    // A target that returned synchronously has its result now, before any microtask it queued.
    finish({ kind: 'completed', value: isThenable(value) ? await value : value });
  } catch (error) {
    finish(ending(error, flag, target, info));
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
