// Recovery from a thread that died at the worst moment, staged through the internals (there is no way to time a terminate that precisely).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Lock, Queue, Thread } from 'threadkit';
// The same modules 'threadkit' loads (dist/), so the same wake table.
import { CAPACITY, WAITING, alloc, free, generation, setHolding, slot, table } from '../../dist/memory/wake-table.js';
import { guardThreads, T } from '../support/guard.ts';

guardThreads();

const SHARE = Symbol.for('threadkit.shared.share.v1');
/** The PUT_MUTEX slot of a Queue's layout (src/shared/queue-ring.ts). */
const MUTEX = 8;

describe('wake table - a gone holder', () => {
  test('Queue - a mutex left held by a thread that is gone is taken over once its block is freed', T, async () => {
    const q = new Queue<number>();
    const mem = new Int32Array((q as unknown as Record<symbol, () => SharedArrayBuffer>)[SHARE]!());
    // Stage a holder: a block in use that holds the queue's mutex, as a thread terminated mid-put leaves it.
    const ghost = alloc();
    setHolding(ghost, 1);
    Atomics.store(mem, MUTEX, (generation(ghost) << 13) | (ghost + 1));
    const putter = new Thread({ target: (queue: Queue<number>) => queue.putSync(1, 10_000), args: [q] }).start();
    assert.equal(await putter.join(200), false, 'the put went through a held mutex');
    assert.equal(q.size, 0);
    free(ghost); // what the owner does once the thread is gone: it wakes every waiter
    await putter.result();
    assert.equal(q.size, 1);
    assert.equal(await q.get(0), 1);
  });

  test('Lock - a wake-up given to a waiter that is gone reaches the others once its block is freed', T, async () => {
    const lock = new Lock();
    lock.acquireSync();
    const mem = new Int32Array((lock as unknown as Record<symbol, () => SharedArrayBuffer>)[SHARE]!());
    // Stage a waiter that is gone: registered in the lock's wait set (slot 1: ID, COUNT, bits), as
    // a thread terminated inside acquireSync() leaves it. It has the lowest block, so release()
    // picks it first.
    const ghost = alloc();
    const id = Atomics.load(mem, 1);
    Atomics.store(table(), slot(ghost, WAITING), id);
    Atomics.add(mem, 2, 1);
    Atomics.or(mem, 3 + (ghost >>> 5), 1 << (ghost & 31));
    const waiter = new Thread({ target: (l: Lock) => l.acquireSync(10_000) && (l.release(), true), args: [lock] }).start();
    // The waiter has registered once a bit other than the ghost's is set in the wait set's BITS
    // words (slot 3 on); right after that it re-checks the lock (held) and blocks on its WAKE word.
    const bits = (): number[] => Array.from(mem.subarray(3, 3 + CAPACITY / 32));
    const ghostOnly = bits().join();
    for (const deadline = Date.now() + 10_000; bits().join() === ghostOnly;) {
      assert.ok(Date.now() < deadline && waiter.isAlive(), `the waiter never registered: ${waiter.state}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    lock.release(); // wakes one waiter: the ghost
    assert.equal(await waiter.join(200), false, 'the staged ghost was not the one woken');
    free(ghost); // the owner frees the block of a thread that died inside a wait: every waiter re-checks
    assert.equal(await waiter.result(), true);
  });
});
