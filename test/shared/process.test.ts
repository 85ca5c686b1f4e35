// Shared objects in a Process: served by the parent, woken by cancel, owned by the child, and nothing left behind.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Barrier,
  BrokenBarrierError,
  CancelledError,
  Condition,
  Event,
  Lock,
  Process,
  Queue,
  RLock,
  Thread,
  ThreadStateError,
  TaskError,
} from 'threadkit';
import { runFixture } from '../support/child.ts';
import { guardThreads, T } from '../support/guard.ts';
import { random } from '../support/seeded.ts';
import { blocksInUse, servedCount } from '../support/served.ts';

guardThreads();

describe('shared objects in a Process', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const blocked: Array<[string, (ready: Event, object: any) => unknown, () => unknown]> = [
    [
      'queue.getSync()',
      (ready: Event, queue: Queue) => {
        ready.set();
        return queue.getSync();
      },
      () => new Queue(),
    ],
    [
      'lock.acquireSync()',
      (ready: Event, lock: Lock) => {
        ready.set();
        return lock.acquireSync();
      },
      () => {
        const lock = new Lock();
        lock.acquireSync();
        return lock;
      },
    ],
    [
      'event.waitSync()',
      (ready: Event, event: Event) => {
        ready.set();
        return event.waitSync();
      },
      () => new Event(),
    ],
    [
      'queue.get() (async)',
      async (ready: Event, queue: Queue) => {
        ready.set();
        return queue.get();
      },
      () => new Queue(),
    ],
  ];
  for (const [name, target, make] of blocked) {
    test(`cancel() - wakes a child blocked in ${name} in well under 1 s`, T, async () => {
      const ready = new Event();
      const object = make();
      const p = new Process({ target, args: [ready, object] }).start();
      assert.equal(await ready.wait(10_000), true);
      const t0 = performance.now();
      p.cancel('stop');
      await assert.rejects(p.result(), (error: unknown) => error instanceof CancelledError && error.reason === 'stop');
      assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`);
      assert.equal(servedCount(), 0);
    });
  }

  test('cancel() - a child consuming a queue with random timeouts loses no item, whenever the cancel comes (seeded)', T, async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1e9);
    const next = random(seed);
    for (let round = 0; round < 6; round += 1) {
      const queue = new Queue<number>();
      const out = new Queue<number>();
      const timeouts = Array.from({ length: 8 }, () => (next() < 0.5 ? Infinity : Math.floor(next() * 3)));
      const p = new Process({
        target: (q: Queue<number>, o: Queue<number>, ms: number[]) => {
          for (let i = 0; ; i += 1) {
            try {
              o.putNowait(q.getSync(ms[i % ms.length]));
            } catch (error) {
              if ((error as { code?: string }).code !== 'ERR_TIMEOUT') throw error;
            }
          }
        },
        args: [queue, out, timeouts],
      }).start();
      const items = 1 + Math.floor(next() * 30);
      const cancelAt = Math.floor(next() * items);
      for (let i = 0; i < items; i += 1) {
        if (i === cancelAt) p.cancel();
        queue.putNowait(i);
        if (next() < 0.5) await new Promise((resolve) => setImmediate(resolve));
      }
      await p.join();
      const seen: number[] = [];
      while (!out.empty()) seen.push(out.getNowait());
      while (!queue.empty()) seen.push(queue.getNowait());
      assert.deepEqual(seen, [...Array(items).keys()], `seed ${seed}, round ${round}: every item is taken once or still in the queue`);
    }
  });

  test('terminate() - a child terminated while holding a Lock leaves it locked', T, async () => {
    const lock = new Lock();
    const ready = new Event();
    const p = new Process({
      target: (l: Lock, r: Event) => {
        l.acquireSync();
        r.set();
        for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      },
      args: [lock, ready],
    }).start();
    assert.equal(await ready.wait(10_000), true);
    await p.terminate();
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(await lock.acquire(0), true);
    assert.equal(servedCount(), 0);
  });

  test('RLock - the child owns it: re-entrant for the child, not releasable by the parent', T, async () => {
    const rlock = new RLock();
    const held = new Event();
    const go = new Event();
    const p = new Process({
      target: (l: RLock, h: Event, g: Event) => {
        l.acquireSync();
        l.acquireSync(0);
        h.set();
        g.waitSync();
        l.release();
        const still = l.locked();
        l.release();
        return still;
      },
      args: [rlock, held, go],
    }).start();
    assert.equal(await held.wait(10_000), true);
    assert.equal(await rlock.acquire(0), false, 'the child holds it');
    assert.throws(() => rlock.release(), ThreadStateError);
    go.set();
    assert.equal(await p.result(), true, 'held once more after one release');
    assert.equal(await rlock.acquire(0), true);
    rlock.release();
  });

  test('Condition - the child waits (releasing the lock), is notified by the parent, and holds the lock again', T, async () => {
    const cond = new Condition();
    const waiting = new Event();
    const p = new Process({
      target: (c: Condition, w: Event) => {
        c.acquireSync();
        w.set();
        const notified = c.waitSync(10_000);
        c.release(); // throws unless the child holds the lock again
        return notified;
      },
      args: [cond, waiting],
    }).start();
    assert.equal(await waiting.wait(10_000), true);
    // The child released the lock inside its wait: the parent gets it once that happened.
    assert.equal(await cond.acquire(10_000), true);
    cond.notify();
    cond.release();
    assert.equal(await p.result(), true);
  });

  test('Condition - a cancelled waitSync() re-acquires the lock for the child before throwing', T, async () => {
    const cond = new Condition();
    const waiting = new Event();
    const p = new Process({
      target: (c: Condition, w: Event) => {
        c.acquireSync();
        w.set();
        try {
          c.waitSync();
        } catch (error) {
          c.release();
          return (error as { code?: string }).code;
        }
        return 'not cancelled';
      },
      args: [cond, waiting],
    }).start();
    assert.equal(await waiting.wait(10_000), true);
    assert.equal(await cond.acquire(10_000), true); // the child waits now
    p.cancel();
    cond.release();
    assert.equal(await p.result(), 'ERR_CANCELLED');
  });

  test('Condition - a child terminated inside waitSync() leaves the lock free, as a thread would', T, async () => {
    const cond = new Condition(new Lock());
    const waiting = new Event();
    const p = new Process({
      target: (c: Condition, w: Event) => {
        c.acquireSync();
        w.set();
        c.waitSync();
      },
      args: [cond, waiting],
    }).start();
    assert.equal(await waiting.wait(10_000), true);
    assert.equal(await cond.acquire(10_000), true); // the child waits now, the lock released
    cond.release();
    await p.terminate();
    assert.equal(await cond.acquire(0), true, 'the lock the wait re-took for the gone child was given back');
    cond.release();
  });

  test('Barrier - a party in a Process that is cancelled while waiting breaks it for the others', T, async () => {
    const barrier = new Barrier(3);
    const arrived = new Event();
    const p = new Process({
      target: async (b: Barrier, a: Event) => {
        const waiting = b.wait();
        a.set(); // served after the wait's arrival: calls are served in order
        return waiting;
      },
      args: [barrier, arrived],
    }).start();
    const mine = assert.rejects(barrier.wait(10_000), BrokenBarrierError);
    assert.equal(await arrived.wait(10_000), true);
    assert.equal(barrier.nWaiting, 2);
    p.cancel();
    await assert.rejects(p.result(), CancelledError);
    await mine;
    assert.equal(barrier.broken, true);
  });

  test('Queue - a producer Thread and a consumer Process share one queue', T, async () => {
    const queue = new Queue<number | null>({ maxSize: 4 });
    const producer = new Thread({
      target: (q: Queue<number | null>) => {
        for (let i = 1; i <= 100; i += 1) q.putSync(i);
        q.putSync(null);
      },
      args: [queue],
    }).start();
    const consumer = new Process({
      target: (q: Queue<number | null>) => {
        let sum = 0;
        for (let item = q.getSync(); item !== null; item = q.getSync()) sum += item;
        return sum;
      },
      args: [queue],
    }).start();
    assert.equal(await consumer.result(), 5050);
    await producer.result();
  });

  test('objects created inside the child are its own; a served object cannot be passed on', T, async () => {
    const lock = new Lock();
    const p = new Process({
      target: async (l: Lock) => {
        const { Lock: ChildLock, Thread: ChildThread } = await import('threadkit');
        const own = new ChildLock();
        own.acquireSync();
        let refused = '';
        try {
          new ChildThread({ target: (_l: unknown) => 0, args: [l] }).start();
        } catch (error) {
          refused = (error as Error).name;
        }
        return [own.locked(), l.locked(), refused];
      },
      args: [lock],
    }).start();
    assert.deepEqual(await p.result(), [true, false, 'TaskError']);
    assert.equal(lock.locked(), false);
    void TaskError;
  });

  test('daemon - a daemon Process blocked in served waits does not hold the program open', T, async () => {
    const exit = await runFixture('process-daemon-served.ts').exited();
    assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}\n${exit.stderr}`);
    assert.equal(exit.stdout, 'main done\n');
  });

  test('nothing leaks - the server, its pending waits and their wake-table blocks go with the Process', T, async () => {
    const before = blocksInUse();
    const handles = process.getActiveResourcesInfo().length;
    const queue = new Queue();
    const event = new Event();
    const p = new Process({
      target: async (q: Queue, e: Event) => {
        void q.get(); // left pending in the parent when the child ends
        e.set();
        await new Promise((resolve) => setTimeout(resolve, 50));
        return 'done';
      },
      args: [queue, event],
    }).start();
    assert.equal(await event.wait(10_000), true);
    assert.equal(servedCount(), 1);
    assert.equal(await p.result(), 'done');
    assert.equal(servedCount(), 0);
    assert.equal(blocksInUse(), before, 'wake-table blocks were left in use');
    queue.putNowait(1);
    assert.equal(queue.getNowait(), 1, 'the aborted get took nothing');
    assert.ok(process.getActiveResourcesInfo().length <= handles, `handles left: ${process.getActiveResourcesInfo().join(', ')}`);
  });
});
