// Python 3.14 parity: map()'s bufferSize, terminateWorkers(), killWorkers() on both pool kinds, and Process#interrupt().

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Event, ExecutorShutDownError, Process, ProcessPoolExecutor, ThreadPoolExecutor, checkpoint, sleep, sleepSync } from 'threadkit';
import { setThenSleepForever, stubborn } from '../support/targets.ts';
import { show } from '../support/flag.ts';
import { exists } from '../support/processes.ts';
import { guardPools, T, tracked } from '../support/guard.ts';

for (const Pool of [ThreadPoolExecutor, ProcessPoolExecutor]) {
  describe(`Python 3.14 parity - ${Pool.name}`, () => {
    guardPools();

    test('.map() - bufferSize bounds how far the input is read ahead of what the loop has received', T, async () => {
      await using pool = tracked(new Pool({ maxWorkers: 4 }));
      for (const [bufferSize, chunkSize] of [
        [1, 1],
        [3, 1],
        [2, 3],
      ] as const) {
        let read = 0;
        function* input(): Generator<number> {
          for (let i = 0; i < 20; i += 1) {
            read += 1;
            yield i;
          }
        }
        let received = 0;
        const results: number[] = [];
        for await (const value of pool.map((n: number) => n * 2, input(), { bufferSize, chunkSize })) {
          received += 1;
          results.push(value);
          assert.ok(
            read - received <= bufferSize * chunkSize,
            `read ${read}, received ${received}, bufferSize ${bufferSize} x ${chunkSize}`,
          );
        }
        assert.deepEqual(
          results,
          Array.from({ length: 20 }, (_, i) => i * 2),
        );
      }
      for (const bad of [0, 1.5, -1, '2', Infinity]) {
        assert.throws(() => pool.map((n: number) => n, [1], { bufferSize: bad as number }), RangeError);
      }
    });

    test('.terminateWorkers() - running tasks end terminated, queued ones cancelled, every worker is gone; idempotent', T, async () => {
      const pool = tracked(new Pool({ maxWorkers: 2, minWorkers: 2 }));
      const started = [new Event(), new Event()];
      const go = new Event();
      const hard = pool.submit(stubborn, started[0]!, go);
      const cooperative = pool.submit(setThenSleepForever, started[1]!);
      const queued = pool.submit((n: number) => n, 1);
      await Promise.all(started.map((e) => e.wait()));
      const done = pool.terminateWorkers();
      assert.equal(queued.outcome?.status, 'cancelled', 'a queued task ends at once');
      assert.throws(() => pool.submit((n: number) => n, 1), ExecutorShutDownError);
      await done;
      await pool.terminateWorkers();
      assert.equal(hard.outcome?.status, 'terminated', show(hard.outcome));
      assert.equal(cooperative.outcome?.status, 'terminated', 'no cancel first, no grace');
      assert.equal(pool.stats.workers, 0);
    });

    test('.terminateWorkers() - after a shutdown() waiting for a running task, it ends that task the same way', T, async () => {
      const pool = tracked(new Pool({ maxWorkers: 1 }));
      const started = new Event();
      const hard = pool.submit(stubborn, started, new Event());
      await started.wait();
      const shutdown = pool.shutdown();
      await pool.terminateWorkers();
      await shutdown;
      assert.equal(hard.outcome?.status, 'terminated');
    });
  });
}

describe('Python 3.14 parity - ProcessPoolExecutor#killWorkers() and Process#interrupt()', () => {
  guardPools();

  test('ProcessPoolExecutor#killWorkers() - SIGKILL at once: a worker that handles SIGTERM is not waited for', T, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadkit-kill-'));
    try {
      const pool = tracked(new ProcessPoolExecutor({ maxWorkers: 1 }));
      const started = new Event();
      const marker = join(dir, 'sigterm');
      const task = pool.submit(
        async (path: string, ready: Event) => {
          const fs = process.getBuiltinModule('node:fs');
          process.on('SIGTERM', () => fs.writeFileSync(path, 'handled'));
          ready.set();
          await new Promise((resolve) => setInterval(resolve, 1000));
        },
        marker,
        started,
      );
      await started.wait();
      await pool.killWorkers();
      await pool.killWorkers();
      assert.equal(task.outcome?.status, 'terminated');
      assert.equal(existsSync(marker), false, 'the SIGTERM handler never ran');
      assert.equal(pool.stats.workers, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(
    'Process#interrupt() - cancels the target (its finally runs, its SIGINT listener runs) and the child exits by itself',
    T,
    async () => {
      const started = new Event();
      const cleaned = new Event();
      const heard = new Event();
      const p = new Process({
        target: (ready: Event, finallyRan: Event, sigint: Event) => {
          process.on('SIGINT', () => sigint.set());
          ready.set();
          try {
            for (;;) {
              sleepSync(60_000);
              checkpoint();
            }
          } finally {
            finallyRan.set();
          }
        },
        args: [started, cleaned, heard],
      }).start();
      await started.wait();
      p.interrupt();
      p.interrupt();
      await p.join();
      assert.deepEqual(p.outcome, { status: 'cancelled', reason: 'SIGINT' });
      assert.equal(cleaned.isSet(), true);
      assert.equal(p.exitCode, 0);
      assert.equal(p.signalCode, null);
      assert.equal(exists(p.pid!), false);
    },
  );

  test(
    'Process - a SIGINT from elsewhere (to the group or the child alone) cancels the target as interrupt() does, with reason SIGINT',
    T,
    async () => {
      for (const to of ['group', 'child'] as const) {
        const started = new Event();
        const p = new Process({
          target: async (ready: Event) => {
            ready.set();
            await sleep(60_000);
            checkpoint();
          },
          args: [started],
        }).start();
        await started.wait();
        process.kill(to === 'group' ? -p.pid! : p.pid!, 'SIGINT');
        await p.join();
        assert.deepEqual(p.outcome, { status: 'cancelled', reason: 'SIGINT' }, `${to}: ${show(p.outcome)}`);
        assert.equal(p.exitCode, 0);
      }
    },
  );

  test(
    'Process#interrupt() - a target that returns normally completes; before start it is cancel(); after the end nothing',
    T,
    async () => {
      const started = new Event();
      const p = new Process({
        target: (ready: Event) => {
          ready.set();
          return sleepSync(60_000) ? 'slept' : 'woken';
        },
        args: [started],
      }).start();
      await started.wait();
      p.interrupt();
      assert.equal(await p.result(), 'woken');
      p.interrupt();
      const early = new Process({ target: () => 'never' });
      early.interrupt();
      early.start();
      await early.join();
      assert.deepEqual(early.outcome, { status: 'cancelled', reason: 'SIGINT' });
    },
  );
});
