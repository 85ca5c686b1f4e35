// The child processes a thread's targets started, as the thread's owner keeps them: killed once the thread is gone.

import type { FromThread } from '../wire/protocol.js';

/** One thread's (or pool worker's) children that still run; a negative pid stands for a process group, as for process.kill(). */
export class OwnedChildren {
  readonly #pids = new Set<number>();

  /** Takes a `child` message from the thread: started (alive) or ended. */
  note(message: Extract<FromThread, { kind: 'child' }>): void {
    const pid = message.group === true ? -message.pid : message.pid;
    if (message.alive) this.#pids.add(pid);
    else this.#pids.delete(pid);
  }

  /** SIGKILLs every one still running (a terminated worker thread does not end them), and forgets them. */
  killAll(): void {
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
