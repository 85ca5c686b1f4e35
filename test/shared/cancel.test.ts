// A cancel wakes a thread blocked in any shared-object wait, blocking or async, at once; the object stays usable.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Barrier, BrokenBarrierError, CancelledError, Condition, Event, Lock, Queue, RLock, Semaphore, Thread } from 'threadkit';
import { newFlag, reached, show } from '../support/flag.ts';
import { withExcepthook } from '../support/excepthook.ts';
import { guardThreads, T } from '../support/guard.ts';

guardThreads();

/** A wait that blocks (the objects are prepared so that it cannot proceed), in both forms. */
interface Case {
  name: string;
  /** Fresh objects, prepared to block. */
  make(): unknown[];
  sync: (flag: Int32Array, ...objects: never[]) => unknown;
  async: (flag: Int32Array, ...objects: never[]) => Promise<unknown>;
}

const heldLock = () => {
  const lock = new Lock();
  lock.acquireSync();
  return [lock];
};
const heldRLock = () => {
  const rlock = new RLock();
  rlock.acquireSync();
  return [rlock];
};
const fullQueue = () => {
  const q = new Queue({ maxSize: 1 });
  q.putSync('x');
  return [q];
};
const unfinishedQueue = () => {
  const q = new Queue();
  q.putSync('x');
  return [q];
};

// Each target sets flag[0] right before it blocks, then waits 5 s at most.
const cases: Case[] = [
  {
    name: 'Event.waitSync / wait',
    make: () => [new Event()],
    sync: (f, e: Event) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), e.waitSync(5000)),
    async: async (f, e: Event) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), await e.wait(5000)),
  },
  {
    name: 'Lock.acquireSync / acquire',
    make: heldLock,
    sync: (f, l: Lock) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), l.acquireSync(5000)),
    async: async (f, l: Lock) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), await l.acquire(5000)),
  },
  {
    name: 'RLock.acquireSync / acquire',
    make: heldRLock,
    sync: (f, l: RLock) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), l.acquireSync(5000)),
    async: async (f, l: RLock) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), await l.acquire(5000)),
  },
  {
    name: 'Semaphore.acquireSync / acquire',
    make: () => [new Semaphore(0)],
    sync: (f, s: Semaphore) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), s.acquireSync(5000)),
    async: async (f, s: Semaphore) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), await s.acquire(5000)),
  },
  {
    name: 'Condition.waitSync / wait (the lock is held again when it throws)',
    make: () => [new Condition()],
    sync: (f, c: Condition) => {
      c.acquireSync();
      Atomics.store(f, 0, 1);
      Atomics.notify(f, 0);
      try {
        return c.waitSync(5000);
      } finally {
        c.release(); // throws ThreadStateError (failing the thread) if the lock was not taken back
      }
    },
    async: async (f, c: Condition) => {
      await c.acquire();
      Atomics.store(f, 0, 1);
      Atomics.notify(f, 0);
      try {
        return await c.wait(5000);
      } finally {
        c.release();
      }
    },
  },
  {
    name: 'Condition.waitForSync / waitFor',
    make: () => [new Condition()],
    // Plain functions travel as source text: `using` would need tsx's helpers, so try/finally here.
    sync: (f, c: Condition) => {
      const held = c.holdSync();
      try {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        return c.waitForSync(() => false, 5000);
      } finally {
        held.release();
      }
    },
    async: async (f, c: Condition) => {
      const held = await c.hold();
      try {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        return await c.waitFor(() => false, 5000);
      } finally {
        held.release();
      }
    },
  },
  {
    name: 'Barrier.waitSync / wait',
    make: () => [new Barrier(2)],
    sync: (f, b: Barrier) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), b.waitSync(5000)),
    async: async (f, b: Barrier) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), await b.wait(5000)),
  },
  {
    name: 'Queue.getSync / get',
    make: () => [new Queue()],
    sync: (f, q: Queue) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), q.getSync(5000)),
    async: async (f, q: Queue) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), await q.get(5000)),
  },
  {
    name: 'Queue.putSync / put (full)',
    make: fullQueue,
    sync: (f, q: Queue) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), q.putSync('y', 5000)),
    async: async (f, q: Queue) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), await q.put('y', 5000)),
  },
  {
    name: 'Queue.joinSync / join',
    make: unfinishedQueue,
    sync: (f, q: Queue) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), q.joinSync(5000)),
    async: async (f, q: Queue) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), await q.join(5000)),
  },
];

describe('cancel() of a thread blocked in a shared-object wait', () => {
  for (const c of cases) {
    for (const form of ['sync', 'async'] as const) {
      test(`${c.name} (${form}) - ends cancelled well under a second into a 5 s wait`, T, async () => {
        const flag = newFlag();
        const objects = c.make();
        const t = new Thread({ target: c[form], args: [flag, ...objects] as never }).start();
        await reached(t, flag);
        // Give it the time to really block (the wait is correct either way: a cancel first makes it throw at once).
        await new Promise((resolve) => setTimeout(resolve, 20));
        const t0 = performance.now();
        t.cancel('enough');
        await t.join();
        const took = performance.now() - t0;
        assert.equal(t.outcome?.status, 'cancelled', show(t.outcome));
        assert.ok(took < 1000, `the cancel took ${took} ms`);
      });
    }
  }

  test('Queue - a cancelled getSync loses no item: the next put goes to the next getter', T, async () => {
    const q = new Queue<string>();
    const flag = newFlag();
    const t = new Thread({
      target: (f: Int32Array, queue: Queue<string>) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), queue.getSync()),
      args: [flag, q],
    }).start();
    await reached(t, flag);
    t.cancel();
    await t.join();
    assert.equal(t.outcome?.status, 'cancelled');
    await q.put('kept');
    assert.equal(q.size, 1);
    assert.equal(await q.get(0), 'kept');
  });

  test('Barrier - a party cancelled while waiting breaks it: the others get BrokenBarrierError', T, async () => {
    const b = new Barrier(3);
    const flags = [newFlag(), newFlag()];
    const wait = (f: Int32Array, barrier: Barrier) => ((Atomics.store(f, 0, 1), Atomics.notify(f, 0)), barrier.waitSync(5000));
    const [victim, other] = flags.map((f) => new Thread({ target: wait, args: [f, b] }).start()) as [Thread, Thread];
    await Promise.all([reached(victim, flags[0]!), reached(other, flags[1]!)]);
    await withExcepthook(
      () => {},
      async () => {
        victim.cancel();
        await assert.rejects(victim.result(), CancelledError);
        await assert.rejects(other.result(), BrokenBarrierError);
      },
    );
    assert.equal(b.broken, true);
    await assert.rejects(b.wait(0), BrokenBarrierError);
    b.reset();
    assert.equal(b.broken, false);
  });
});
