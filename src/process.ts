// Process: the same lifecycle as Thread, running the target in a child Node.js process.

import { LIBRARY_PROTOTYPE, Lifecycle, type Outcome } from './core/lifecycle.js';
import type { ResultOf, ThreadOptions } from './core/thread-options.js';
import { processBackend, type ChildTransport } from './backend/child.js';
import type { Target } from './backend/task.js';

let counter = 0;

/**
 * A target running in a child Node.js process, with exactly Thread's options, methods, states,
 * outcomes and in-thread functions: the same task, neutral to the means of concurrency.
 *
 * Its ident is its pid. The child leads its own process group: signals go to the group, so the
 * target's own children end with it, and the terminal's Ctrl-C reaches only the program (which,
 * with stopOnSignals(), stops it politely). A non-daemon Process keeps the program alive until it
 * ends; a daemon one dies with the program, even when the program is killed with SIGKILL.
 * terminate(), stop() and kill() never leave the child, nor its group, behind. The child's stdout
 * and stderr are the program's.
 * @example
 * const p = new Process({ target: countdown, args: [10] }).start();
 * await p.stop({ graceMs: 500 });
 */
export class Process<T extends Target = Target> extends Lifecycle<T> {
  /** The child this Process started (kept after it exits, for exitCode and signalCode). */
  readonly #started: Started;
  #interrupted = false;

  /**
   * @throws {TypeError} for options that are not what they should be, or a target that is none of the forms.
   * @throws {TaskError} for a native or bound function, or a class, as target.
   */
  constructor(options?: ThreadOptions<T>) {
    const started: Started = {};
    super(options, 'Process', () => `Process-${++counter}`, {
      ...processBackend,
      start: (spec, hooks) =>
        (started.child = processBackend.start(spec, {
          ...hooks,
          message(message) {
            // A SIGINT from elsewhere cancelled the target in the child: recorded as interrupt()'s cancel('SIGINT').
            if (message.kind === 'cancelled' && message.reason === 'SIGINT') started.interruptedElsewhere?.();
            hooks.message(message);
          },
        })),
    });
    this.#started = started;
    started.interruptedElsewhere = () => {
      this.#interrupted = true;
      this.cancel('SIGINT');
    };
  }

  /** The child's process id once started; null before (the same as ident). */
  get pid(): number | null {
    return this.ident;
  }

  /** The child's exit code once it has exited normally; null before or when a signal ended it. */
  get exitCode(): number | null {
    return this.#started.child?.exitCode ?? null;
  }

  /** The signal that ended the child ('SIGTERM', 'SIGKILL', ...); null otherwise. */
  get signalCode(): NodeJS.Signals | null {
    return this.#started.child?.signalCode ?? null;
  }

  /**
   * Forced: ends the child's process group with SIGTERM, then SIGKILL when the child is still alive 1 s later. None of the
   * target's code runs after; what it wrote before is kept. Resolves with the outcome. Idempotent.
   */
  override async terminate(): Promise<Outcome<ResultOf<T>>> {
    return super.terminate();
  }

  /**
   * Python 3.14's `Process.interrupt()`: Ctrl-C for this child. Sends SIGINT to the child's process
   * group (its own children get it too) and cancels the target with reason 'SIGINT': cancelled()
   * turns true, a blocked sleepSync() or shared-object wait wakes, cancelSignal() aborts, and the
   * target's own `process.on('SIGINT')` listeners run. The child is not killed: its `finally` blocks
   * run, a target that gives up ends 'cancelled' (reason 'SIGINT'), one that returns ends
   * 'completed', and the child exits by itself. Before the target has begun it is cancel('SIGINT');
   * once ended it does nothing. Idempotent; returns nothing.
   */
  interrupt(): void {
    if (this.#interrupted || this.state === 'ended') return;
    this.#interrupted = true;
    const pid = this.pid;
    const begun = this.state === 'running' || this.state === 'cancelling';
    this.cancel('SIGINT');
    if (!begun || pid === null) return;
    try {
      process.kill(-pid, 'SIGINT');
    } catch {
      // The group is gone (the child is exiting): nothing is left to interrupt.
    }
  }

  /** Sends SIGKILL to the child's process group at once. Resolves with the outcome ('terminated' unless it had ended). Idempotent. */
  async kill(): Promise<Outcome<ResultOf<T>>> {
    return this.forceStop((transport) => (transport as ChildTransport).kill(), 'kill');
  }
}

/** What a Process keeps of its child, and what its child's own SIGINT does to it. */
interface Started {
  child?: ChildTransport;
  interruptedElsewhere?: () => void;
}

Object.defineProperty(Process.prototype, LIBRARY_PROTOTYPE, { value: true });
