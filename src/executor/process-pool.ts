// ProcessPoolExecutor: the same executor over long-lived child processes.

import { processBackend, type PoolChildTransport } from '../backend/child.js';
import { Executor, type ExecutorOptions } from './executor.js';

let counter = 0;

/**
 * A pool of child Node.js processes that run task after task on their main thread, with exactly
 * ThreadPoolExecutor's API (as Process is to Thread). Each child has the watcher thread of a
 * Process: a cancel reaches a task blocked in sleepSync() in one message hop, and a child dies
 * with its parent, even when the parent is killed with SIGKILL. No child is left behind by
 * shutdown(), stop(), a crash or the parent's death.
 * @throws {TypeError} / {RangeError} for options that are not what they should be.
 * @throws {TaskError} when `initArgs` cannot be sent to a worker (naming `initArgs[i]`); nothing is started.
 */
export class ProcessPoolExecutor extends Executor {
  constructor(options?: ExecutorOptions) {
    super(options, 'ProcessPoolExecutor', () => `ProcessPoolExecutor-${++counter}`, processBackend);
  }

  /**
   * Python 3.14's `kill_workers()`: terminateWorkers() with SIGKILL at once instead of SIGTERM then
   * SIGKILL, so a worker that handles or ignores SIGTERM is not waited for. Resolves once every
   * worker is gone. Idempotent.
   */
  killWorkers(): Promise<void> {
    return this.endWorkers((transport) => (transport as PoolChildTransport).kill(), 'kill');
  }
}
