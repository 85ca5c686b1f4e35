// Shared objects in ProcessPoolExecutor tasks and initializers: served by the parent per task, woken by the task's cancel, nothing left behind.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelledError, Event, Lock, ProcessPoolExecutor, Queue, RLock, ThreadPoolExecutor } from 'threadkit';
import { guardThreads, T } from '../support/guard.ts';
import { random } from '../support/seeded.ts';
import { blocksInUse, servedCount } from '../support/served.ts';

guardThreads();

describe('shared objects in a ProcessPoolExecutor task', () => {
  test('submit() - a Queue shared by a ThreadPoolExecutor task and a ProcessPoolExecutor task carries every item in order', T, async () => {
    const threads = new ThreadPoolExecutor({ maxWorkers: 1 });
    const processes = new ProcessPoolExecutor({ maxWorkers: 1 });
    try {
      const queue = new Queue<number>({ maxSize: 4 });
      const consumer = processes.submit((q: Queue<number>) => {
        const seen: number[] = [];
        for (let item = q.getSync(); item !== -1; item = q.getSync()) seen.push(item);
        return seen;
      }, queue);
      const producer = threads.submit((q: Queue<number>) => {
        for (let i = 0; i < 20; i += 1) q.putSync(i);
        q.putSync(-1);
        return 'sent';
      }, queue);
      assert.equal(await producer.result(), 'sent');
      assert.deepEqual(await consumer.result(), [...Array(20).keys()]);
      assert.equal(servedCount(), 0);
    } finally {
      await Promise.all([threads.shutdown(), processes.shutdown()]);
    }
  });

  test(
    'cancel() - wakes a task blocked in getSync() in well under 1 s; the worker is kept and its next task runs normally',
    T,
    async () => {
      const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      try {
        const queue = new Queue<string>();
        const ready = new Event();
        const blocked = pool.submit(
          (q: Queue<string>, r: Event) => {
            r.set();
            return q.getSync();
          },
          queue,
          ready,
        );
        assert.equal(await ready.wait(20_000), true);
        const t0 = performance.now();
        blocked.cancel('stop');
        await assert.rejects(blocked.result(), (error: unknown) => error instanceof CancelledError);
        assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`);
        // The next task on the same worker is not cancelled, and its own wait takes the item.
        const next = pool.submit((q: Queue<string>) => {
          const item = q.getSync(10_000);
          return { item, pid: process.pid };
        }, queue);
        queue.putNowait('x');
        const { item } = await next.result();
        assert.equal(item, 'x', 'the cancelled get took nothing');
        assert.equal(pool.stats.workers, 1);
        assert.equal(pool.stats.terminated, 0, 'the worker was kept');
        assert.equal(pool.stats.cancelled, 1);
        assert.equal(servedCount(), 0);
      } finally {
        await pool.shutdown();
      }
    },
  );

  test('cancel() - a task consuming a queue with random timeouts loses no item, whenever the cancel comes (seeded)', T, async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1e9);
    const next = random(seed);
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    try {
      for (let round = 0; round < 6; round += 1) {
        const queue = new Queue<number>();
        const out = new Queue<number>();
        const timeouts = Array.from({ length: 8 }, () => (next() < 0.5 ? Infinity : Math.floor(next() * 3)));
        const consumer = pool.submit(
          (q: Queue<number>, o: Queue<number>, ms: number[]) => {
            for (let i = 0; ; i += 1) {
              try {
                o.putNowait(q.getSync(ms[i % ms.length]));
              } catch (error) {
                if ((error as { code?: string }).code !== 'ERR_TIMEOUT') throw error;
              }
            }
          },
          queue,
          out,
          timeouts,
        );
        const items = 1 + Math.floor(next() * 30);
        const cancelAt = Math.floor(next() * items);
        for (let i = 0; i < items; i += 1) {
          if (i === cancelAt) consumer.cancel();
          queue.putNowait(i);
          if (next() < 0.5) await new Promise((resolve) => setImmediate(resolve));
        }
        await assert.rejects(consumer.result(), CancelledError, `seed ${seed}, round ${round}`);
        const seen: number[] = [];
        while (!out.empty()) seen.push(out.getNowait());
        while (!queue.empty()) seen.push(queue.getNowait());
        assert.deepEqual(seen, [...Array(items).keys()], `seed ${seed}, round ${round}: every item is taken once or still in the queue`);
      }
      assert.equal(pool.stats.terminated, 0, 'one worker served every round');
      assert.equal(servedCount(), 0);
    } finally {
      await pool.shutdown();
    }
  });

  test('stop() - a Lock held by a terminated task stays locked; its worker is replaced', T, async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    try {
      const lock = new Lock();
      const ready = new Event();
      const stuck = pool.submit(
        (l: Lock, r: Event) => {
          l.acquireSync();
          r.set();
          for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
        },
        lock,
        ready,
      );
      assert.equal(await ready.wait(20_000), true);
      void stuck.stop({ graceMs: 0 });
      await assert.rejects(stuck.result());
      assert.equal(stuck.outcome?.status, 'terminated');
      assert.equal(lock.locked(), true);
      assert.equal(servedCount(), 0);
      // A new worker serves the next task.
      assert.equal(await pool.submit((l: Lock) => l.acquireSync(0), lock).result(), false);
      lock.release();
    } finally {
      await pool.shutdown();
    }
  });

  test(
    'crash - a worker killed with a served wait pending has the wait aborted; nothing is left pending and the next task runs',
    T,
    async () => {
      const before = blocksInUse();
      const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      try {
        const queue = new Queue<number>();
        const pids = new Queue<number>();
        const stuck = pool.submit(
          (q: Queue<number>, p: Queue<number>) => {
            void q.get(); // pending in the parent when the worker dies
            p.putNowait(process.pid);
            for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
          },
          queue,
          pids,
        );
        const pid = await pids.get(20_000);
        assert.equal(servedCount(), 1);
        process.kill(pid, 'SIGKILL');
        await assert.rejects(stuck.result());
        assert.equal(stuck.outcome?.status, 'failed');
        assert.equal(servedCount(), 0);
        assert.equal(blocksInUse(), before, 'wake-table blocks were left in use');
        queue.putNowait(1);
        assert.equal(queue.getNowait(), 1, 'the aborted get took nothing');
        assert.equal(await pool.submit((q: Queue<number>) => (q.putNowait(2), q.getSync(0)), queue).result(), 2);
      } finally {
        await pool.shutdown();
      }
    },
  );

  test('RLock - a task owns what it acquires: the next task on the same worker is another owner', T, async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    try {
      const rlock = new RLock();
      const first = await pool
        .submit((l: RLock) => {
          const again = l.acquireSync() && l.acquireSync(0);
          return { again, pid: process.pid };
        }, rlock)
        .result();
      assert.equal(first.again, true, 're-entrant for the task that holds it');
      const second = await pool.submit((l: RLock) => ({ got: l.acquireSync(0), pid: process.pid }), rlock).result();
      assert.equal(second.pid, first.pid, 'the same worker');
      assert.equal(second.got, false, 'held by the first task, not by the worker');
      assert.equal(rlock.locked(), true);
    } finally {
      await pool.shutdown();
    }
  });

  test('initArgs - an Event given to the initializer is served to each worker for its life', T, async () => {
    const started = new Event();
    const go = new Event();
    const pool = new ProcessPoolExecutor({
      maxWorkers: 1,
      initializer: (s: Event, g: Event) => {
        s.set();
        (globalThis as Record<string, unknown>).go = g;
      },
      initArgs: [started, go],
    });
    try {
      const waiter = pool.submit(() => ((globalThis as Record<string, unknown>).go as Event).waitSync(20_000));
      assert.equal(await started.wait(20_000), true);
      go.set();
      assert.equal(await waiter.result(), true);
    } finally {
      await pool.shutdown();
    }
    assert.equal(servedCount(), 0);
  });

  test('nothing leaks - after shutdown no table is served and no wake-table block is left', T, async () => {
    const before = blocksInUse();
    const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const queue = new Queue<number>();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pool
          .submit(
            (q: Queue<number>, n: number) => {
              q.putSync(n);
              return q.size >= 0;
            },
            queue,
            i,
          )
          .result(),
      ),
    );
    assert.deepEqual(results, Array(6).fill(true));
    await pool.shutdown();
    const items: number[] = [];
    while (!queue.empty()) items.push(queue.getNowait());
    assert.deepEqual(
      items.sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5],
    );
    assert.equal(servedCount(), 0);
    assert.equal(blocksInUse(), before, 'wake-table blocks were left in use');
  });
});
