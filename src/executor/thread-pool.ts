// ThreadPoolExecutor: Python's concurrent.futures.ThreadPoolExecutor on warm worker threads.

import { threadBackend } from '../backend/worker.js';
import { Executor, type ExecutorOptions } from './executor.js';

let counter = 0;

/**
 * A pool of worker threads that run task after task: a task starts in microseconds on a warm
 * worker instead of paying for a new thread. A cancelled task gives its worker back as soon as it
 * returns; only a task that ignores its cancel past `graceMs` after stop() costs its worker.
 * An idle pool does not keep the program alive.
 * @throws {TypeError} / {RangeError} for options that are not what they should be.
 * @throws {TaskError} when `initArgs` cannot be sent to a worker (naming `initArgs[i]`); nothing is started.
 * @example
 * const pool = new ThreadPoolExecutor({ maxWorkers: 4 });
 * const f = pool.submit(resize, image, 200);
 * console.log(await f);
 * await pool.shutdown();
 */
export class ThreadPoolExecutor extends Executor {
  constructor(options?: ExecutorOptions) {
    super(options, 'ThreadPoolExecutor', () => `ThreadPoolExecutor-${++counter}`, threadBackend);
  }
}
