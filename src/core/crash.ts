// Crash diagnosis: why a thread, process or pool worker that reported no ending is gone.

import { ThreadCrashedError, describe } from '../errors.js';
import type { ExitInfo } from '../backend/transport.js';

/** What the owner knew when the thread went: the code given to process.exit(), whether the target had begun. */
export interface CrashFacts {
  readonly exitCalled: number | undefined;
  readonly began: boolean;
}

/** Why `name` is gone without an ending. Exit codes alone are not trusted. */
export function crashError(name: string, exit: ExitInfo, facts: CrashFacts): ThreadCrashedError {
  const cause = exit.error === undefined ? {} : { cause: exit.error };
  const code = (exit.error as { code?: unknown } | undefined)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ThreadCrashedError(`${name} ran out of memory under its resourceLimits and was stopped.`, cause);
  }
  if (facts.exitCalled !== undefined) {
    return new ThreadCrashedError(`${name} called process.exit(${facts.exitCalled}) before its target returned.`, cause);
  }
  if (exit.signal !== null) {
    return new ThreadCrashedError(`${name} was killed by signal ${exit.signal} before its target returned.`, cause);
  }
  if (exit.error !== undefined) {
    return new ThreadCrashedError(`${name} died before its target returned: ${describe(exit.error)}`, cause);
  }
  if (facts.began) {
    return new ThreadCrashedError(
      `${name} ended before its target's promise settled: the thread's event loop ran empty, so the promise could ` +
        'never settle (exit code ' +
        `${exit.exitCode}). Await the work the target starts, or keep the thread alive with a timer or cancelSignal().`,
      cause,
    );
  }
  return new ThreadCrashedError(`${name} exited before its target began (exit code ${exit.exitCode}).`, cause);
}
