// TaskScope over pool tasks, on both pool kinds: the policy cancels queued and running tasks, a stubborn task's worker is replaced.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Event, ProcessPoolExecutor, TaskScope, ThreadPoolExecutor, type ExceptHookInfo } from 'threadkit';
import { setThenSleepForever, stubborn } from '../support/targets.ts';
import { show } from '../support/flag.ts';
import { withExcepthook } from '../support/excepthook.ts';
import { guardPools, T, tracked } from '../support/guard.ts';

const fail = (message: string): never => {
  throw new RangeError(message);
};

for (const Pool of [ThreadPoolExecutor, ProcessPoolExecutor]) {
  describe(`TaskScope - ${Pool.name} tasks`, () => {
    guardPools();

    test('.submit() - allSucceed: values in order; the first failure cancels the running and the queued tasks', T, async () => {
      await using pool = tracked(new Pool({ maxWorkers: 2 }));
      assert.deepEqual(
        await (async () => {
          const ok = new TaskScope();
          ok.submit(pool, (a: number) => a + 1, 1);
          ok.submit(pool, (a: number) => a + 2, 1);
          return ok.join() as Promise<number[]>;
        })(),
        [2, 3],
      );
      const started = new Event();
      const scope = new TaskScope();
      const running = scope.submit(pool, setThenSleepForever, started);
      await started.wait();
      const failing = scope.submit(pool, fail, 'pool boom');
      const queued = scope.submit(pool, setThenSleepForever, new Event());
      await assert.rejects(scope.join(), (error: unknown) => error instanceof RangeError && error.message === 'pool boom');
      assert.equal(running.outcome?.status, 'cancelled', show(running.outcome));
      assert.equal(failing.outcome?.status, 'failed');
      assert.equal(queued.outcome?.status, 'cancelled', show(queued.outcome));
      assert.equal(pool.stats.terminated, 0, 'the cooperative worker was kept');
    });

    test('.submit() - a stubborn task is terminated graceMs after the cancel, and its failure is not reported twice', T, async () => {
      const reports: ExceptHookInfo[] = [];
      await withExcepthook(
        (info) => void reports.push(info),
        async () => {
          await using pool = tracked(new Pool({ maxWorkers: 2 }));
          const started = new Event();
          const scope = new TaskScope({ graceMs: 50 });
          const hard = scope.submit(pool, stubborn, started, new Event());
          await started.wait();
          scope.submit(pool, fail, 'x');
          await assert.rejects(scope.join(), RangeError);
          assert.equal(hard.outcome?.status, 'terminated');
          await new Promise((resolve) => setImmediate(resolve));
          assert.equal(reports.length, 0, show(reports));
        },
      );
    });

    test('.submit() - refused calls add nothing: a shut-down pool, a non-pool, a scope that is not open', T, async () => {
      const pool = new Pool({ maxWorkers: 1 });
      await pool.shutdown();
      const scope = new TaskScope();
      assert.throws(() => scope.submit(pool, () => 1), { name: 'ExecutorShutDownError' });
      assert.throws(() => scope.submit({} as never, () => 1), TypeError);
      assert.equal(scope.children.length, 0);
      scope.cancel();
      assert.throws(() => scope.submit(pool, () => 1), { name: 'ThreadStateError' });
      await assert.rejects(scope.join(), { name: 'CancelledError' });
    });
  });
}
