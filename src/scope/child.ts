// What a TaskScope needs of each kind of child (a Thread, a Process, a pool task's Future), behind one interface.

import { claimReport, releaseReport, report } from '../core/excepthook.js';
import { Lifecycle, endedOf } from '../core/lifecycle.js';
import type { Outcome } from '../core/settlement.js';
import { Future, settlementOf, writer } from '../executor/future.js';
import type { Process } from '../process.js';
import type { Thread } from '../thread.js';

/** A child of a scope: a Thread, a Process or a pool task's Future. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ScopeChild = Thread<any> | Process<any> | Future<any>;

/** One child as the scope drives it. */
export interface ChildHandle {
  readonly child: ScopeChild;
  readonly name: string;
  /** Resolves once the child has ended; never rejects; does not hold the program open. */
  readonly ended: Promise<void>;
  /** Someone waits for the scope: the child holds the program open until it ends, as a join() of it would (also a daemon). */
  hold(): void;
  outcome(): Outcome | undefined;
  cancel(reason: unknown): void;
  /** Forced: terminate() (a Thread or Process), or the task's worker replaced now (a Future). */
  terminate(): void;
  /** The scope is over: its failure reporting goes back to the child, and a failure nobody joined is reported once. */
  release(joined: boolean): void;
}

/** Whether `value` is something a scope can own. */
export function isScopeChild(value: unknown): value is ScopeChild {
  return value instanceof Lifecycle || value instanceof Future;
}

/**
 * Wraps a started (or ended) child, and takes over its failure report from now on: the scope
 * reports it through join(), or, when left without join(), once through the excepthook.
 */
export function handleOf(child: ScopeChild): ChildHandle {
  return child instanceof Future ? futureHandle(child) : lifecycleHandle(child);
}

function lifecycleHandle(child: Thread | Process): ChildHandle {
  // A child that ended before it was added was reported already; one still alive is the scope's to report.
  const claimed = child.isAlive();
  if (claimed) claimReport(child);
  return {
    child,
    name: child.name,
    ended: endedOf(child),
    hold: () => {
      if (child.isAlive()) void child.join();
    },
    outcome: () => child.outcome,
    cancel: (reason) => child.cancel(reason),
    terminate: () => void child.terminate(),
    release: (joined) => {
      if (!claimed) return;
      releaseReport(child);
      const outcome = child.outcome;
      if (!joined && outcome?.status === 'failed') report({ thread: child, error: outcome.error });
    },
  };
}

function futureHandle(future: Future<unknown>): ChildHandle {
  const held = writer(future);
  held.hold();
  return {
    child: future,
    name: future.name,
    ended: settlementOf(future).ended,
    hold: () => {}, // a pool holds the program open while it has running or queued tasks
    outcome: () => future.outcome,
    cancel: (reason) => future.cancel(reason),
    terminate: () => void future.stop({ graceMs: 0 }),
    release: (joined) => {
      if (joined) held.handled();
      held.release();
    },
  };
}
