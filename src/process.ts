// Process: the same lifecycle as Thread, running the target in a child Node.js process.

import { LIBRARY_PROTOTYPE, Lifecycle, type ThreadOptions } from './internal/lifecycle.js';
import { getExcepthook, setExcepthook, type ExceptHook } from './internal/excepthook.js';
import type { LaunchSpec, Transport, TransportHooks } from './internal/transport/transport.js';
import type { Target } from './task.js';

let counter = 0;

/** A target running in a child Node.js process, with Thread's API. (Work in progress.) */
export class Process<T extends Target = Target> extends Lifecycle<T> {
  /** The same hook as Thread.excepthook. */
  static get excepthook(): ExceptHook {
    return getExcepthook();
  }
  static set excepthook(hook: ExceptHook | null) {
    setExcepthook(hook);
  }

  constructor(options?: ThreadOptions<T>) {
    super(options, 'Process', () => `Process-${++counter}`);
  }

  protected override get kind(): string {
    return 'Process';
  }

  protected override launch(_spec: LaunchSpec, _hooks: TransportHooks): Transport {
    throw new Error('Process is not implemented yet');
  }
}

Object.defineProperty(Process.prototype, LIBRARY_PROTOTYPE, { value: true });
