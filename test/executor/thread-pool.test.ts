// ThreadPoolExecutor: the executor contract on worker threads, plus what only threads do.

import assert from 'node:assert/strict';
import { getHeapStatistics } from 'node:v8';
import { describe, test } from 'node:test';
import { Future, ThreadPoolExecutor, currentThread, sleepSync, type ExceptHookInfo } from 'threadkit';
import { nested, probe as probeTs } from '../fixtures/pool-tasks.ts';
import { probe, sleeper } from '../support/pool-targets.ts';
import { executorContract } from './contract.ts';
import { newFlag, waitFlag } from '../support/flag.ts';
import { guardPools, T, tracked } from '../support/guard.ts';
import { withExcepthook } from '../support/excepthook.ts';

executorContract({ name: 'ThreadPoolExecutor', Ctor: ThreadPoolExecutor });

describe('ThreadPoolExecutor - worker threads only', () => {
  guardPools();

  test('.submit() - a plain-function target submitted 100 000 times is compiled once per worker', { timeout: 60_000 }, async () => {
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 2 }));
    // The function sees itself by name: a new compile would be a new function object.
    function compiledOnce(): number {
      const seen = ((globalThis as { seen?: Set<unknown> }).seen ??= new Set());
      seen.add(compiledOnce);
      return seen.size;
    }
    const futures = Array.from({ length: 100_000 }, () => pool.submit(compiledOnce));
    const sizes = await Promise.all(futures);
    assert.ok(
      sizes.every((size) => size === 1),
      'every call ran the same compiled function',
    );
    await pool.shutdown();
  });

  test('futures - thousands settling at once give no MaxListenersExceededWarning', T, async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 2 }));
      const controller = new AbortController();
      const futures = Array.from({ length: 3000 }, (_, i) => pool.run((x: number) => x, [i], { signal: controller.signal }));
      const { done } = await (await import('threadkit')).wait(futures);
      assert.equal(done.size, 3000);
      await Promise.all(futures);
      await pool.shutdown();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning'),
      [],
    );
  });

  test('.submit() - a task that uses a pool of its own (created inside it) works; the outer pool cannot be passed in', T, async () => {
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 1 }));
    assert.deepEqual(await pool.submit(nested, 3), [0, 10, 20]);
    await pool.shutdown();
  });

  test(
    'replacement - a worker terminated mid-sleepSync is replaced by one with the TypeScript loader, the same execArgv and resourceLimits',
    T,
    async () => {
      const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 48 } }));
      const environment = async () => {
        const v8 = await import('node:v8');
        return { execArgv: process.execArgv, heapLimit: v8.getHeapStatistics().heap_size_limit, ident: currentThread().ident };
      };
      const before = await pool.submit(environment);
      const flag = newFlag();
      // Ignores its cancel: sleepSync returns false at once, and it goes back to sleep.
      const stubborn = pool.submit((f: Int32Array) => {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        for (;;) sleepSync(10_000);
      }, flag);
      await waitFlag(flag);
      assert.deepEqual(await stubborn.stop({ graceMs: 50 }), { status: 'terminated' });
      const after = await pool.submit(environment);
      assert.notEqual(after.ident, before.ident, 'a new worker');
      assert.deepEqual(after.execArgv, before.execArgv);
      assert.equal(after.heapLimit, before.heapLimit);
      // The young generation's default size differs between Node versions: compare with this thread's (unlimited) heap.
      const mine = getHeapStatistics().heap_size_limit;
      assert.ok(before.heapLimit < mine / 4, `the worker's heap is limited (${before.heapLimit} bytes, this thread's ${mine})`);
      assert.equal((await pool.submit(probeTs, { n: 1 })).n, 1, 'the TypeScript task module loads in the replacement');
      const oom = pool.submit(() => {
        const hog: unknown[] = [];
        for (;;) hog.push(new Array(100_000).fill(Math.random()));
      });
      await withExcepthook(
        () => {},
        async () => {
          await assert.rejects(oom.result(), /out of memory/);
        },
      );
      assert.equal((await pool.submit(probe, { n: 2 })).n, 2, 'the pool goes on after an out-of-memory task');
      await pool.shutdown();
    },
  );

  test(
    'storm - random submits, cancels and stops (seeded): every future settles exactly once and the counts add up',
    { timeout: 60_000 },
    async () => {
      const seed = Number(process.env.STORM_SEED ?? Date.now() % 100_000);
      let state = seed;
      const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
      const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 2, graceMs: 20 }));
      const futures: Array<Future<unknown>> = [];
      const settledTimes = new Map<Future<unknown>, number>();
      try {
        for (let i = 0; i < 300; i += 1) {
          const r = random();
          if (r < 0.5 || futures.length === 0) {
            const ms = Math.floor(random() * 3);
            const f = pool.submit((n: number) => sleepSync(n), ms);
            futures.push(f);
            f.then(
              () => settledTimes.set(f, (settledTimes.get(f) ?? 0) + 1),
              () => settledTimes.set(f, (settledTimes.get(f) ?? 0) + 1),
            );
          } else {
            const f = futures[Math.floor(random() * futures.length)]!;
            if (r < 0.8) f.cancel(i);
            else void f.stop({ graceMs: Math.floor(random() * 5) });
          }
          if (random() < 0.1) await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.allSettled(futures);
        await pool.shutdown();
        for (const f of futures) {
          assert.equal(f.done(), true);
          assert.equal(settledTimes.get(f), 1, `${f.name} settled ${settledTimes.get(f)} times`);
        }
        const { completed, failed, cancelled, terminated } = pool.stats;
        assert.equal(completed + failed + cancelled + terminated, futures.length);
        assert.equal(failed, 0);
      } catch (error) {
        throw new Error(`storm failed with STORM_SEED=${seed}: ${(error as Error).message}`, { cause: error });
      }
    },
  );

  test('cancel - a cancel of a task that arrives after it returned does not reach the next task (per-task flag)', T, async () => {
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 1 }));
    const seen: ExceptHookInfo[] = [];
    await withExcepthook(
      (i) => seen.push(i),
      async () => {
        for (let round = 0; round < 50; round += 1) {
          const flag = newFlag();
          const f = pool.submit(sleeper, flag, 1);
          const next = pool.submit(probe, { n: round });
          await waitFlag(flag);
          f.cancel();
          assert.equal((await next).cancelled, false, `round ${round}: the next task saw the previous cancel`);
        }
      },
    );
    assert.deepEqual(seen, []);
    await pool.shutdown();
  });
});
