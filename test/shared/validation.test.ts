// Constructors and arguments of the shared objects are validated with "Expected ..." messages; nothing is created half.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Barrier, BoundedSemaphore, Condition, Event, Lock, Queue, Semaphore, Thread } from 'threadkit';
import { guardThreads, T } from '../support/guard.ts';

guardThreads();

describe('shared objects - validation', () => {
  test('new Barrier(parties) - parties must be an integer >= 1', T, () => {
    assert.throws(() => new Barrier(0), { name: 'RangeError', message: 'Expected `parties` to be an integer >= 1, got `0` (number)' });
    assert.throws(() => new Barrier(1.5), RangeError);
    assert.throws(() => new Barrier('2' as unknown as number), RangeError);
  });

  test('new Semaphore(value) / new BoundedSemaphore(value) - value must be an integer >= 0', T, () => {
    assert.throws(() => new Semaphore(-1), { name: 'RangeError', message: 'Expected `value` to be an integer >= 0, got `-1` (number)' });
    assert.throws(() => new BoundedSemaphore(Number.NaN), RangeError);
    assert.equal(new Semaphore(0).acquireSync(0), false);
  });

  test('.release(n) / .notify(n) - n must be an integer', T, () => {
    assert.throws(() => new Semaphore().release(0), {
      name: 'RangeError',
      message: 'Expected `n` to be an integer >= 1, got `0` (number)',
    });
    const c = new Condition();
    c.acquireSync();
    assert.throws(() => c.notify(-1), RangeError);
    c.release();
  });

  test('new Condition(lock) - lock must be a Lock or an RLock', T, () => {
    assert.throws(() => new Condition(new Event() as unknown as Lock), {
      name: 'TypeError',
      message: /Expected `lock` to be a Lock, an RLock or undefined/,
    });
    assert.throws(() => new Condition({} as Lock), TypeError);
    const lock = new Lock();
    const c = new Condition(lock);
    c.acquireSync();
    assert.equal(lock.locked(), true, 'the condition uses the lock it was given');
    c.release();
  });

  test('new Queue(options) - maxSize an integer >= 1 or Infinity, maxBytes an integer >= 1, no unknown options', T, () => {
    assert.throws(() => new Queue({ maxSize: 0 }), {
      name: 'RangeError',
      message: 'Expected `maxSize` to be an integer >= 1 or Infinity, got `0` (number)',
    });
    assert.throws(() => new Queue({ maxBytes: -1 }), {
      name: 'RangeError',
      message: 'Expected `maxBytes` to be an integer >= 1, got `-1` (number)',
    });
    assert.throws(() => new Queue({ maxsize: 3 } as never), { name: 'TypeError', message: /Unknown option `maxsize`/ });
    assert.throws(() => new Queue(5 as never), TypeError);
    const q = new Queue();
    assert.equal(q.maxSize, Infinity);
    assert.equal(q.maxBytes, 1024 * 1024);
    assert.throws(() => q.shutdown({ immediate: 'yes' as never }), TypeError);
  });

  test('Queue.shutdown(options) - an unknown key or a non-object is a TypeError, and the queue is not shut down', T, () => {
    const q = new Queue<number>();
    assert.throws(() => q.shutdown({ immediatly: true } as never), {
      name: 'TypeError',
      message: 'Unknown option `immediatly` for shutdown(); expected one of: immediate',
    });
    assert.throws(() => q.shutdown(null as never), {
      name: 'TypeError',
      message: 'Expected `options` to be an object or undefined, got `null` (null)',
    });
    q.putNowait(1);
    assert.equal(q.getNowait(), 1, 'a refused shutdown() does nothing');
    q.shutdown();
  });

  test('an async wait keeps its thread alive while pending (no "event loop ran empty" crash)', T, async () => {
    const event = new Event();
    const running = new Event();
    const t = new Thread({
      target: async (e: Event, r: Event) => {
        r.set();
        return await e.wait();
      },
      args: [event, running],
    }).start();
    await running.wait(10_000);
    assert.equal(await t.join(100), false, 'the thread ended while its wait was pending');
    event.set();
    assert.equal(await t.result(), true);
  });
});
