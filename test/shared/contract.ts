// The shared-object contract (API.md §5), written once and run against every side: inline, in a Thread, in a Process and in a task of each pool.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Event, Process, ProcessPoolExecutor, Thread, ThreadPoolExecutor } from 'threadkit';
import {
  asyncForms,
  barrierBasics,
  conditionBasics,
  crossParty,
  eventBasics,
  freshObjects,
  instances,
  lockBasics,
  partner,
  queueBasics,
  rlockBasics,
  semaphoreBasics,
  timeouts,
} from '../fixtures/shared-tasks.ts';
import { guardThreads, T } from '../support/guard.ts';

/**
 * Where the contract's task runs: in place on the main thread, in a Thread, in a Process (served by
 * this side), or as a task of a pool of either kind (a process pool's objects are served per task).
 */
export type Side = 'inline' | 'Thread' | 'Process' | 'ThreadPoolExecutor' | 'ProcessPoolExecutor';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTask = (...args: any[]) => unknown;

async function runOn(side: Side, target: AnyTask, args: unknown[]): Promise<unknown> {
  if (side === 'inline') return target(...args);
  if (side === 'Process') return new Process({ target, args }).start().result();
  if (side === 'Thread') return new Thread({ target, args }).start().result();
  const pool = side === 'ThreadPoolExecutor' ? new ThreadPoolExecutor({ maxWorkers: 1 }) : new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    return await pool.submit(target, ...args);
  } finally {
    await pool.shutdown();
  }
}

/** Registers the contract's tests for `side`. */
export function sharedContract(side: Side): void {
  describe(`shared objects - contract (${side})`, () => {
    guardThreads();

    const single: Array<[string, AnyTask]> = [
      ['instanceof - every class recognises its objects', instances],
      ['Event - set, clear, isSet, waitSync with timeouts', eventBasics],
      ['Lock - acquireSync/release/locked, unlocked release throws, holdSync', lockBasics],
      ['RLock - re-entrant counts, owner-only release, holdSync', rlockBasics],
      ['Semaphore/BoundedSemaphore - default 1, release(n), over-release RangeError', semaphoreBasics],
      ['Condition - needs its lock, waits time out, waitForSync returns the last value', conditionBasics],
      ['Barrier - parties 1, timeout/abort break it, reset repairs it', barrierBasics],
      ['Queue - FIFO, nowait errors, refusals, taskDone/join, ring wrap-around, shutdown', queueBasics],
      ['timeouts - negative, NaN and non-numbers throw RangeError; Infinity waits', timeouts],
      ['async forms - every wait and for await', asyncForms],
    ];
    for (const [name, target] of single) {
      test(name, T, async () => {
        assert.equal(await runOn(side, target, [freshObjects()]), 'ok');
      });
    }

    test('blocking waits - woken by another thread (queue, semaphore, lock, barrier, event)', T, async () => {
      const objects = freshObjects();
      const go = new Event();
      objects.lock.acquireSync();
      const other = new Thread({ target: partner, args: [objects, go] }).start();
      try {
        assert.equal(await runOn(side, crossParty, [objects, go]), 'ok');
        assert.equal(await other.result(), 'ok');
      } finally {
        await other.stop({ graceMs: 100 });
      }
    });
  });
}
