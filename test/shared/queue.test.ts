// Queue across threads: big and many items, FIFO, and consistency when a thread is terminated mid-operation.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Event, Lock, Queue, QueueShutDownError, TaskError, Thread, ThreadPoolExecutor } from 'threadkit';
import { guardThreads, T } from '../support/guard.ts';
import { random } from '../support/seeded.ts';

guardThreads();

describe('Queue', () => {
  test('1 MiB items - cross from a thread intact, in order', T, async () => {
    const q = new Queue<Uint8Array>({ maxBytes: 3 * 1024 * 1024 });
    const producer = (queue: Queue<Uint8Array>) => {
      for (let i = 0; i < 8; i += 1) queue.putSync(new Uint8Array(1024 * 1024).fill(i + 1));
    };
    const t = new Thread({ target: producer, args: [q] }).start();
    for (let i = 0; i < 8; i += 1) {
      const item = await q.get(10_000);
      assert.equal(item.length, 1024 * 1024);
      assert.ok(
        item.every((byte) => byte === i + 1),
        `item ${i} is not intact`,
      );
    }
    await t.result();
  });

  test('an item larger than maxBytes - put throws TaskError saying so; nothing is put', T, () => {
    const q = new Queue({ maxBytes: 1024 });
    assert.throws(
      () => q.putSync(new Uint8Array(2048)),
      (error: Error) => error instanceof TaskError && /maxBytes \(1024\)/.test(error.message),
    );
    assert.equal(q.size, 0);
    q.putSync('fits');
    assert.equal(q.getSync(0), 'fits');
  });

  test(
    '.putSync() - refuses shared objects in a Map, a Set or a class-instance field, and a pool or a Future anywhere, naming where',
    T,
    async () => {
      class Holder {
        constructor(readonly lock: Lock) {}
      }
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const future = pool.submit((x: number) => x, 1);
      const q = new Queue();
      for (const [item, where] of [
        [new Map([['k', new Lock()]]), /the item\.get\("k"\) \(a shared Lock\)/],
        [{ set: new Set([new Event()]) }, /the item\.set \(a Set member\) \(a shared Event\)/],
        [[new Holder(new Lock())], /the item\[0\]\.lock \(a shared Lock\)/],
        [{ a: { b: pool } }, /the item\.a\.b \(a ThreadPoolExecutor\)/],
        [new Map([[1, [future]]]), /the item\.get\(1\)\[0\] \(a Future\)/],
      ] as const) {
        assert.throws(
          () => q.putSync(item),
          (error: unknown) => error instanceof TaskError && where.test(error.message),
        );
      }
      assert.equal(q.size, 0, 'nothing was put');
      await future;
      await pool.shutdown();
    },
  );

  test('100 000 tiny items - FIFO from one producer thread, none lost or doubled', T, async () => {
    const q = new Queue<number>({ maxSize: 1000 });
    const producer = (queue: Queue<number>, n: number) => {
      for (let i = 0; i < n; i += 1) queue.putSync(i);
      queue.shutdown();
    };
    const t = new Thread({ target: producer, args: [q, 100_000] }).start();
    let expected = 0;
    for await (const item of q) {
      assert.equal(item, expected);
      expected += 1;
    }
    assert.equal(expected, 100_000);
    await t.result();
  });

  test('shutdown({ immediate: true }) - wakes a blocked getter with QueueShutDownError and lets join() return', T, async () => {
    const q = new Queue<number>();
    const getter = new Thread({
      target: (queue: Queue<number>) => {
        try {
          queue.getSync(10_000);
          return 'got';
        } catch (error) {
          return (error as Error).name;
        }
      },
      args: [q],
    }).start();
    while (getter.state !== 'running') await new Promise((resolve) => setTimeout(resolve, 5));
    q.shutdown({ immediate: true });
    assert.equal(await getter.result(), 'QueueShutDownError');
    const r = new Queue<number>();
    r.putSync(1);
    r.putSync(2);
    r.shutdown({ immediate: true });
    await r.join(1000);
    assert.throws(() => r.putSync(3), QueueShutDownError);
  });

  test('threads terminated inside getSync()/putSync() leave it consistent: no half item, no lost wake-up', T, async () => {
    const seed = Number(process.env.THREADKIT_SEED ?? Date.now() % 1_000_000);
    const rand = random(seed);
    const q = new Queue<number[]>({ maxSize: 8, maxBytes: 4096 });
    const hammer = (queue: Queue<number[]>, id: number) => {
      // Puts and gets items of varied sizes forever; only terminate() ends it.
      for (let i = 0; ; i += 1) {
        queue.putSync(Array.from({ length: (i * 7 + id) % 50 }, (_, k) => id * 1_000_000 + i + k));
        const item = queue.getSync();
        if (!Array.isArray(item)) throw new Error('a half item');
      }
    };
    try {
      for (let round = 0; round < 6; round += 1) {
        const threads = Array.from({ length: 3 }, (_, i) => new Thread({ target: hammer, args: [q, round * 3 + i] }).start());
        await new Promise((resolve) => setTimeout(resolve, 30 + rand() * 70));
        for (const t of threads) {
          await new Promise((resolve) => setTimeout(resolve, rand() * 10));
          await t.terminate();
        }
        // Whatever was in flight: every item left is whole, and the queue still works for the others.
        const left: number[][] = [];
        while (q.size > 0) left.push(await q.get(5000));
        for (const item of left) assert.ok(Array.isArray(item) && item.every((n) => typeof n === 'number'));
        const getter = new Thread({ target: (queue: Queue<number[]>) => queue.getSync(10_000), args: [q] }).start();
        await q.put([42], 5000);
        assert.deepEqual(await getter.result(), [42]);
      }
    } catch (error) {
      throw new Error(`failed with THREADKIT_SEED=${seed}: ${(error as Error).message}`, { cause: error });
    }
  });
  test(
    'shutdown({ immediate: true }) - racing putters and a getter: nothing is left or put after the drop, join() returns',
    T,
    async () => {
      const q = new Queue<number>();
      const putter = (queue: Queue<number>) => {
        let put = 0;
        try {
          for (;;) {
            queue.putSync(put);
            put += 1;
          }
        } catch (error) {
          if ((error as Error).name !== 'QueueShutDownError') throw error;
        }
        return put;
      };
      const getter = (queue: Queue<number>) => {
        let got = 0;
        try {
          for (;;) {
            queue.getSync();
            queue.taskDone();
            got += 1;
          }
        } catch (error) {
          if ((error as Error).name !== 'QueueShutDownError') throw error;
        }
        return got;
      };
      const threads = [putter, putter, getter].map((target) => new Thread({ target, args: [q] }).start());
      while (q.size < 100) await new Promise((resolve) => setTimeout(resolve, 1));
      q.shutdown({ immediate: true });
      const [a, b, got] = await Promise.all(threads.map((t) => t.result()));
      assert.ok(a! + b! >= got!, 'no item taken twice');
      assert.equal(q.size, 0, 'no item committed after the drop');
      await q.join(5000); // the dropped items count as done; no put after the drop left one undone
      assert.throws(() => q.putNowait(1), QueueShutDownError);
    },
  );
});
