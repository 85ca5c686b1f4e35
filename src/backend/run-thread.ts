// Inside a Thread's or Process's worker: run the one task, send its ending, and end the thread.

import { newTaskContext, setContext, type ThreadContext } from '../memory/context.js';
import { THREAD_TASK, type TargetSpec } from '../wire/protocol.js';
import { exit, interceptExit } from './run-exit.js';
import { failRunning, runTask, sendEnding, type Side } from './run-task.js';

/** A Thread's or Process's one run. */
export interface RunOptions extends Side {
  readonly target: TargetSpec;
  readonly args: unknown[];
  /** Asks the owner whether the target may begin; false when it was cancelled first. Default: the flag says. */
  mayBegin?(): Promise<boolean>;
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
  process.on('uncaughtException', (error) => {
    failRunning(error);
  });
  const end = await runTask(options, context, THREAD_TASK, options.target, options.args, { mayBegin: options.mayBegin?.bind(options) });
  sendEnding(options, end!, () => exit(0));
}
