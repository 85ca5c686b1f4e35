// What an owner keeps of one thread (or pool worker) from the messages every thread sends: its output, its process.exit() code, its children.

import { writeOutput } from '../base/output.js';
import type { FromThread } from '../wire/protocol.js';

/** The messages handled the same way by a Thread, a Process and a pool worker's owner. */
export type OwnerMessage = Extract<FromThread, { kind: 'output' | 'exit-called' | 'child' }>;

/**
 * The owner's side of one thread or pool worker. Its output is written here; a Process's child
 * writes to the inherited stdio itself. The child processes its targets started are killed once
 * it is gone (a terminated worker thread does not end them); a negative pid stands for a process
 * group, as for process.kill().
 */
export class Owner {
  /** The code a task gave to process.exit(), for the crash diagnosis (core/crash.ts); undefined when none did. */
  exitCalled: number | undefined;
  readonly #pids = new Set<number>();
  readonly #current: ((id: number) => boolean) | undefined;

  /** `current(id)`: whether task `id` is the one running (a pool worker's); without it, every `exit-called` counts. */
  constructor(current?: (id: number) => boolean) {
    this.#current = current;
  }

  /** Handles `message` when it is an OwnerMessage and returns true; returns false for any other. */
  take(message: FromThread): message is OwnerMessage {
    switch (message.kind) {
      case 'output':
        writeOutput(message.stream, message.chunk);
        return true;
      case 'exit-called':
        if (this.#current?.(message.id) ?? true) this.exitCalled = message.code;
        return true;
      case 'child': {
        const pid = message.group === true ? -message.pid : message.pid;
        if (message.alive) this.#pids.add(pid);
        else this.#pids.delete(pid);
        return true;
      }
      default:
        return false;
    }
  }

  /** SIGKILLs every child (or group) still running, and forgets them. Idempotent. */
  killChildren(): void {
    for (const pid of this.#pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.#pids.clear();
  }
}
