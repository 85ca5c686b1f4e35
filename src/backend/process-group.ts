// A child process's process group (POSIX): signalled as a whole, killed when this process exits, reported to a thread's owner.

import type { ChildProcess } from 'node:child_process';
import { getContext } from '../memory/context.js';
import type { FromThread } from '../wire/protocol.js';

/** Whether each child leads its own process group (POSIX), signalled as a whole. */
export const GROUPS = process.platform !== 'win32';

/** Every child still running, killed when this process exits (belt and braces: children also watch their control socket). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Sends `sig` to the child's process group: the child and whatever it spawned (not detached).
 * Where there are no groups (Windows), or the group is gone, to the child alone while it runs.
 */
export function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (GROUPS && child.pid !== undefined) {
    try {
      process.kill(-child.pid, sig);
      return;
    } catch {
      // No such group (any more).
    }
  }
  if (child.exitCode === null && child.signalCode === null) child.kill(sig);
}

/** Inside a threadkit thread, the owner learns of the child (and its group): a terminated thread cannot end its children itself. */
export function tellOwner(pid: number, alive: boolean): void {
  const context = getContext();
  if (context === undefined) return;
  const message: FromThread = { kind: 'child', pid, alive, group: GROUPS };
  try {
    context.port.postMessage(message);
  } catch {
    // The owner is gone; the child sees its control socket close.
  }
}

/** Kills `child`'s group (it has a pid) if this process exits before `exited(child)` is called. */
export function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of running) signalGroup(child, 'SIGKILL');
    });
  }
  if (child.pid !== undefined) running.add(child);
}

/** `child` has exited: this process's exit no longer kills it. */
export function exited(child: ChildProcess): void {
  running.delete(child);
}
