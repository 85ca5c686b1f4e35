// ThreadPoolExecutor: the executor contract on worker threads, plus what only threads do.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ThreadPoolExecutor, type ExceptHookInfo } from 'threadkit';
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
    assert.ok(sizes.every((size) => size === 1), 'every call ran the same compiled function');
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
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), []);
  });

  test('.submit() - a task that uses a pool of its own (created inside it) works; the outer pool cannot be passed in', T, async () => {
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 1 }));
    assert.deepEqual(await pool.submit(nested, 3), [0, 10, 20]);
    await pool.shutdown();
  });

  test('replacement - a worker terminated mid-sleepSync is replaced by one that loads TypeScript tasks with the same resourceLimits', T, async () => {
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 64 } }));
    const flag = newFlag();
    const stubborn = pool.submit((f: Int32Array) => {
      Atomics.store(f, 0, 1);
      Atomics.notify(f, 0);
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
    }, flag);
    await waitFlag(flag);
    const first = stubborn.state;
    assert.equal(first, 'running');
    assert.deepEqual(await stubborn.stop({ graceMs: 50 }), { status: 'terminated' });
    const after = await pool.submit(probeTs, { n: 1 });
    assert.equal(after.n, 1, 'the TypeScript task module loaded in the replacement');
    const limit = await pool.submit(() => (process as unknown as { resourceUsage?: unknown }) && (globalThis as { v8?: unknown }) && 1);
    assert.equal(limit, 1);
    const oom = pool.submit(() => {
      const hog: unknown[] = [];
      for (;;) hog.push(new Array(100_000).fill(Math.random()));
    });
    await withExcepthook(() => {}, async () => {
      await assert.rejects(oom.result(), /out of memory/);
    });
    assert.equal((await pool.submit(probe, { n: 2 })).n, 2, 'the pool goes on after an out-of-memory task');
    await pool.shutdown();
  });

  test('cancel - a cancel of a task that arrives after it returned does not reach the next task (per-task flag)', T, async () => {
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 1 }));
    const seen: ExceptHookInfo[] = [];
    await withExcepthook((i) => seen.push(i), async () => {
      for (let round = 0; round < 50; round += 1) {
        const flag = newFlag();
        const f = pool.submit(sleeper, flag, 1);
        const next = pool.submit(probe, { n: round });
        await waitFlag(flag);
        f.cancel();
        assert.equal((await next).cancelled, false, `round ${round}: the next task saw the previous cancel`);
      }
    });
    assert.deepEqual(seen, []);
    await pool.shutdown();
  });
});
