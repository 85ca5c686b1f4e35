// process.exit() inside a thread: the owner hears that the running task called it (the task crashes) before the thread exits.

import { abandonRunning, type Side } from './run-task.js';

/** The real process.exit, for the runner's own exits (after an ending is sent). */
export const exit = process.exit.bind(process);

/** Replaces process.exit: a task that calls it is reported to the owner first (side.exitCalled), then the thread exits. */
export function interceptExit(side: Side): void {
  process.exit = ((code?: number | string | null) => {
    const id = abandonRunning();
    if (id !== undefined) side.exitCalled(id, Number(code ?? process.exitCode ?? 0) || 0);
    exit(code);
  }) as typeof process.exit;
}
