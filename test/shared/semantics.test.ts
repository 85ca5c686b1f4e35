// Cross-thread semantics of each primitive, after CPython's Lib/test/lock_tests.py.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Barrier, BrokenBarrierError, Condition, Event, Lock, RLock, Thread, ThreadStateError } from 'threadkit';
import { withExcepthook } from '../support/excepthook.ts';
import { newFlag, reached, show, waitFlag } from '../support/flag.ts';
import { guardThreads, T } from '../support/guard.ts';

guardThreads();

/** Resolves once `counter[0]` is at least `n`. */
async function counted(counter: Int32Array, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = Atomics.load(counter, 0);
    if (value >= n) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`counter was ${value} after ${timeoutMs} ms, expected >= ${n}`);
    const waited = Atomics.waitAsync(counter, 0, value, left);
    if (waited.async) await waited.value;
  }
}

describe('Event', () => {
  test('.set() - every waiter returns true, even when clear() follows at once', T, async () => {
    const event = new Event();
    const ready = newFlag();
    const waiter = (e: Event, r: Int32Array) => {
      Atomics.add(r, 0, 1);
      Atomics.notify(r, 0);
      return e.waitSync(10_000);
    };
    const threads = Array.from({ length: 5 }, () => new Thread({ target: waiter, args: [event, ready] }).start());
    await counted(ready, 5);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let them block (the result is the same if not)
    event.set();
    event.clear();
    assert.deepEqual(await Promise.all(threads.map((t) => t.result())), [true, true, true, true, true]);
  });

  test('.wait() - an async waiter on the main thread is woken by a thread', T, async () => {
    const event = new Event();
    const t = new Thread({ target: (e: Event) => e.set(), args: [event] }).start();
    assert.equal(await event.wait(10_000), true);
    await t.join();
  });
});

describe('Lock', () => {
  test('a thread terminated while holding it leaves it locked, as in Python', T, async () => {
    const lock = new Lock();
    const flag = newFlag();
    const t = new Thread({
      target: (l: Lock, f: Int32Array) => {
        l.acquireSync();
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        for (;;);
      },
      args: [lock, flag],
    }).start();
    await reached(t, flag);
    await t.terminate();
    assert.equal(lock.locked(), true);
    assert.equal(await lock.acquire(20), false);
    lock.release(); // any thread may release a Lock
    assert.equal(await lock.acquire(0), true);
  });

  test('mutual exclusion - four threads incrementing a shared counter under it get an exact count', T, async () => {
    const lock = new Lock();
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const work = (l: Lock, c: Int32Array, n: number) => {
      for (let i = 0; i < n; i += 1) {
        l.acquireSync();
        const v = c[0]!; // a plain read-modify-write: only the lock makes it exact
        c[0] = v + 1;
        l.release();
      }
    };
    const threads = Array.from({ length: 4 }, () => new Thread({ target: work, args: [lock, counter, 5000] }).start());
    await Promise.all(threads.map((t) => t.result()));
    assert.equal(counter[0], 20_000);
  });
});

describe('RLock', () => {
  test('.release() - by a thread that does not own it throws ThreadStateError', T, async () => {
    const rlock = new RLock();
    rlock.acquireSync();
    const t = new Thread({
      target: (l: RLock) => {
        try {
          l.release();
          return 'released';
        } catch (error) {
          return (error as Error).name;
        }
      },
      args: [rlock],
    }).start();
    assert.equal(await t.result(), 'ThreadStateError');
    assert.equal(rlock.locked(), true);
    rlock.release();
    assert.throws(() => rlock.release(), ThreadStateError);
  });

  test('.acquireSync() - another thread waits until the owner released every level', T, async () => {
    const rlock = new RLock();
    rlock.acquireSync();
    rlock.acquireSync();
    const t = new Thread({ target: (l: RLock) => l.acquireSync(10_000) && (l.release(), true), args: [rlock] }).start();
    rlock.release();
    assert.equal(await t.join(50), false, 'it got the lock while one level was still held');
    rlock.release();
    assert.equal(await t.result(), true);
  });
});

describe('Condition', () => {
  test('.notify(n) - wakes at most n waiters; notifyAll() the rest', T, async () => {
    const cond = new Condition(new Lock());
    const ready = newFlag();
    const woken = newFlag();
    const waiter = (c: Condition, r: Int32Array, w: Int32Array) => {
      c.acquireSync();
      Atomics.add(r, 0, 1);
      Atomics.notify(r, 0);
      const notified = c.waitSync(10_000);
      Atomics.add(w, 0, 1);
      Atomics.notify(w, 0);
      c.release();
      return notified;
    };
    const threads = Array.from({ length: 5 }, () => new Thread({ target: waiter, args: [cond, ready, woken] }).start());
    await counted(ready, 5);
    // Each waiter counted itself while holding the lock, so once we hold it they all wait.
    await cond.acquire();
    cond.notify(2);
    cond.release();
    await counted(woken, 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(Atomics.load(woken, 0), 2, 'notify(2) woke more than 2');
    await cond.acquire();
    cond.notifyAll();
    cond.release();
    assert.deepEqual(await Promise.all(threads.map((t) => t.result())), [true, true, true, true, true]);
  });

  test(".waitForSync() - returns the predicate's value once a notify makes it true", T, async () => {
    const cond = new Condition();
    const state = new Int32Array(new SharedArrayBuffer(8));
    const t = new Thread({
      target: (c: Condition, s: Int32Array) => {
        c.acquireSync();
        try {
          Atomics.store(s, 1, 1);
          Atomics.notify(s, 1);
          return c.waitForSync(() => Atomics.load(s, 0) === 3 && 'three', 10_000);
        } finally {
          c.release();
        }
      },
      args: [cond, state],
    }).start();
    await waitFlag(state, 1);
    for (let i = 1; i <= 3; i += 1) {
      await cond.acquire();
      Atomics.store(state, 0, i);
      cond.notifyAll();
      cond.release();
    }
    assert.equal(await t.result(), 'three');
  });
});

describe('Barrier', () => {
  test('.waitSync() - every party gets a distinct index, round after round', T, async () => {
    const barrier = new Barrier(4);
    const rounds = (b: Barrier, n: number) => {
      const indices: number[] = [];
      for (let i = 0; i < n; i += 1) indices.push(b.waitSync(10_000));
      return indices;
    };
    const threads = Array.from({ length: 3 }, () => new Thread({ target: rounds, args: [barrier, 20] }).start());
    const mine: number[] = [];
    for (let i = 0; i < 20; i += 1) mine.push(await barrier.wait(10_000));
    const all = [mine, ...(await Promise.all(threads.map((t) => t.result())))];
    for (let round = 0; round < 20; round += 1) {
      assert.deepEqual(all.map((indices) => indices[round]).sort(), [0, 1, 2, 3], `round ${round}`);
    }
  });

  test('.reset() - current waiters get BrokenBarrierError; the barrier works again', T, async () => {
    const barrier = new Barrier(3);
    const flag = newFlag();
    const t = new Thread({
      target: (b: Barrier, f: Int32Array) => {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        return b.waitSync(10_000);
      },
      args: [barrier, flag],
    }).start();
    await reached(t, flag);
    while (barrier.nWaiting < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await withExcepthook(
      () => {},
      async () => {
        barrier.reset();
        await assert.rejects(t.result(), BrokenBarrierError, show(t.outcome));
      },
    );
    assert.equal(barrier.broken, false);
    const two = new Barrier(2);
    const u = new Thread({ target: (b: Barrier) => b.waitSync(10_000), args: [two] }).start();
    assert.equal([await two.wait(10_000), await u.result()].sort().join(), '0,1');
  });
});
