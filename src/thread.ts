// Thread: Python's threading.Thread lifecycle on a Node.js worker thread.

import { LIBRARY_PROTOTYPE, Lifecycle } from './core/lifecycle.js';
import type { ThreadOptions } from './core/thread-options.js';
import { threadBackend } from './backend/worker.js';
import type { Target } from './backend/task.js';

let counter = 0;

/**
 * A target running in its own worker thread, in parallel with the program.
 *
 * A Thread starts only when start() is called and runs until its target returns (or the promise
 * it returned settles). The program does not exit while a non-daemon thread is alive.
 * Stop it cooperatively with cancel(), by force with terminate(), or both with stop().
 * @example
 * const t = new Thread({ target: countdown, args: [10] }).start();
 * if (t.isAlive()) console.log('Still running');
 * await t.join();
 */
export class Thread<T extends Target = Target> extends Lifecycle<T> {
  /**
   * @throws {TypeError} for options that are not what they should be, or a target that is none of the forms.
   * @throws {TaskError} for a native or bound function, or a class, as target.
   */
  constructor(options?: ThreadOptions<T>) {
    super(options, 'Thread', () => `Thread-${++counter}`, threadBackend);
  }
}

Object.defineProperty(Thread.prototype, LIBRARY_PROTOTYPE, { value: true });
