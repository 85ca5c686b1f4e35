// Nesting: a scope opened inside a Thread, a Process or a pool task is cancelled with that task, down to every descendant.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CancelledError,
  Event,
  Process,
  Queue,
  ProcessPoolExecutor,
  TaskError,
  TaskScope,
  Thread,
  ThreadPoolExecutor,
  enumerate,
} from 'threadkit';
import { nestedScopes, processGrandchild, scopeInTask, spinningGrandchild } from '../fixtures/scope-tasks.ts';
import { newFlag, show, waitFlag } from '../support/flag.ts';
import { exists, gone } from '../support/processes.ts';
import { guardPools, T, tracked } from '../support/guard.ts';
import { withExcepthook } from '../support/excepthook.ts';

describe('TaskScope - nesting', () => {
  guardPools();

  test('three levels deep: a cancel at the top wakes the deepest thread, and every level runs its finally', T, async () => {
    const counts = newFlag(3);
    const scope = new TaskScope();
    const top = scope.thread(nestedScopes, 3, counts);
    await waitFlag(counts, 2);
    assert.equal(Atomics.load(counts, 0), 4, 'four levels began');
    scope.cancel('from the top');
    await assert.rejects(scope.join(), (error: unknown) => error instanceof CancelledError && error.reason === 'from the top');
    assert.equal(top.outcome?.status, 'cancelled', show(top.outcome));
    assert.equal(Atomics.load(counts, 1), 4, 'every level ran its finally');
    assert.deepEqual(enumerate(), []);
  });

  test('Thread - cancel() of a thread awaiting its own scope cancels that scope (three levels)', T, async () => {
    const counts = newFlag(3);
    const t = new Thread({ target: nestedScopes, args: [2, counts] }).start();
    await waitFlag(counts, 2);
    t.cancel();
    await t.join();
    assert.equal(t.outcome?.status, 'cancelled', show(t.outcome));
    assert.equal(Atomics.load(counts, 1), 3);
  });

  test('Thread - stop() with no grace leaves no grandchild running', T, async () => {
    const counts = newFlag(2);
    const t = new Thread({ target: spinningGrandchild, args: [counts] }).start();
    await waitFlag(counts, 1);
    await t.terminate();
    const after = Atomics.load(counts, 0);
    // The grandchild's worker is ended with its parent's: the counter it spins on stands still.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(Atomics.load(counts, 0), after);
  });

  test('Process - cancel() reaches the scope inside the child and wakes its blocked thread', T, async () => {
    const ready = new Event();
    const p = new Process({ target: scopeInTask, args: [ready] }).start();
    await ready.wait();
    const started = performance.now();
    p.cancel();
    await p.join();
    assert.equal(p.outcome?.status, 'cancelled', show(p.outcome));
    assert.ok(performance.now() - started < 10_000, 'ended by the cancel, not by the 60 s sleep');
  });

  test('Process - stop() with no grace leaves no grandchild process running; cancel() ends it through the scope', T, async () => {
    for (const how of ['terminate', 'cancel'] as const) {
      const pids = new Queue();
      const p = new Process({ target: processGrandchild, args: [pids] }).start();
      const grandchild = (await pids.get()) as number;
      assert.equal(exists(grandchild), true);
      if (how === 'terminate') await p.stop({ graceMs: 0 });
      else {
        p.cancel();
        await p.join();
        assert.equal(p.outcome?.status, 'cancelled', show(p.outcome));
      }
      await gone(grandchild, 5000);
    }
  });

  test('plain function - using TaskScope fails with a TaskError saying to declare the target with task()', T, async () => {
    const t = new Thread({
      target: async () => {
        const scope = new TaskScope();
        await scope.join();
      },
    }).start();
    await withExcepthook(
      () => {},
      () => t.join(),
    );
    const error = t.outcome?.status === 'failed' ? t.outcome.error : undefined;
    assert.ok(error instanceof TaskError, show(t.outcome));
    assert.match(error.message, /`TaskScope` is threadkit's.*task\(import\.meta\.url, fn\)/s);
  });

  test('ThreadPoolExecutor - future.cancel() reaches the scope opened in the task (two levels)', T, async () => {
    await using pool = tracked(new ThreadPoolExecutor({ maxWorkers: 1 }));
    const counts = newFlag(3);
    const future = pool.submit(nestedScopes, 1, counts);
    await waitFlag(counts, 2);
    future.cancel();
    await assert.rejects(future.result(), CancelledError);
    assert.equal(Atomics.load(counts, 1), 2, 'both levels ran their finally');
    assert.equal(pool.stats.terminated, 0, 'the worker was kept');
  });

  for (const Pool of [ThreadPoolExecutor, ProcessPoolExecutor]) {
    test(`${Pool.name} - future.cancel() reaches the scope opened in the task and wakes its blocked thread`, T, async () => {
      await using pool = tracked(new Pool({ maxWorkers: 1 }));
      const ready = new Event();
      const future = pool.submit(scopeInTask, ready);
      await ready.wait();
      future.cancel();
      await assert.rejects(future.result(), CancelledError);
      assert.equal(pool.stats.terminated, 0, 'the worker was kept');
    });
  }
});
