// Whether an operating-system process still runs, and a bounded wait for one to be gone.

import { readFileSync } from 'node:fs';

/**
 * Whether a process with this pid is running. A killed child whose parent thread is gone stays a
 * zombie (state Z) until the program exits: it runs no code, so it counts as gone.
 */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Resolves once `pid` is gone; rejects after `timeoutMs`. A process that is not our child has no
 * exit event, and a SIGKILL sent is delivered by the kernel a moment later, so this checks every
 * 10 ms until the deadline. Callers await the event that sent the signal first (the outcome), then
 * this; `timeoutMs` is a generous bound, not a synchronisation.
 */
export async function gone(pid: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (exists(pid)) {
    if (Date.now() - started > timeoutMs) throw new Error(`pid ${pid} still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}
