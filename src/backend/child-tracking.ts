// Inside a worker thread: every child process the target spawns is reported to the owner, which kills it when the thread ends.

import { ChildProcess } from 'node:child_process';

/** Called with each child spawned here (`alive`), and again when it has exited. `group`: it leads its own process group. */
export type ChildReport = (pid: number, alive: boolean, group: boolean) => void;

type Spawn = (this: ChildProcess, options: { detached?: boolean } | undefined) => unknown;

/**
 * Wraps `ChildProcess.prototype.spawn`, which spawn(), exec(), execFile() and fork() all go
 * through, so the owner hears of each child synchronously, before the call returns to the target:
 * a terminate() right after the spawn still finds the pid. A worker cannot end its children
 * itself once terminated; the owner SIGKILLs them (their group, for a detached child) when the
 * thread ends. The *Sync calls block the thread until their child has exited, so need no report.
 */
export function trackChildren(report: ChildReport): void {
  const prototype = ChildProcess.prototype as unknown as { spawn: Spawn };
  const spawn = prototype.spawn;
  prototype.spawn = function trackedSpawn(this: ChildProcess, options) {
    const result = spawn.call(this, options);
    const pid = this.pid;
    if (pid !== undefined) {
      const group = options?.detached === true && process.platform !== 'win32';
      report(pid, true, group);
      this.once('exit', () => report(pid, false, group));
    }
    return result;
  };
}
