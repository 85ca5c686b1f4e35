// API.md section 12, timeouts: every timeoutMs, graceMs (and sleep's ms) takes any number >= 0 and
// Infinity; one above 2**31 - 1 ms is the long wait it asks for, never clamped to 1 ms. (The pools'
// timeouts are in the executor contract, test/executor/contract.ts.)

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Event, Lock, Process, Queue, Semaphore, Thread, TimeoutError, sleep } from 'threadkit';
import { MAX_TIMER_MS, clearLongTimeout, longTimeout } from '../src/base/timers.ts';
import { show } from './support/flag.ts';
import { guardThreads, T } from './support/guard.ts';
import { LONG_WAITS, elapse, noTimeoutOverflow, watch } from './support/long-waits.ts';
import { signalThenAsyncSleep, stubborn, waitForGo } from './support/targets.ts';

guardThreads();

describe('longTimeout() - the one timer of user-given durations', () => {
  test(
    'chains setTimeout in chunks of at most 2**31 - 1 ms: fires once, after exactly ms; Infinity never; clear stops the chain',
    T,
    (t) => {
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const fired: string[] = [];
      longTimeout(() => fired.push('short'), 10);
      longTimeout(() => fired.push('long'), 3 * MAX_TIMER_MS + 5);
      longTimeout(() => fired.push('never'), Infinity);
      const cleared = longTimeout(() => fired.push('cleared'), 2 * MAX_TIMER_MS);
      // Ticks end on the chunk boundaries (the mock runs a re-armed chunk from the end of the tick).
      t.mock.timers.tick(MAX_TIMER_MS);
      assert.deepEqual(fired, ['short']);
      clearLongTimeout(cleared);
      t.mock.timers.tick(MAX_TIMER_MS);
      t.mock.timers.tick(MAX_TIMER_MS);
      t.mock.timers.tick(4);
      assert.deepEqual(fired, ['short'], 'nothing fires before its time, nor once cleared');
      t.mock.timers.tick(1);
      assert.deepEqual(fired, ['short', 'long']);
      for (let i = 0; i < 10; i += 1) t.mock.timers.tick(MAX_TIMER_MS);
      assert.deepEqual(fired, ['short', 'long'], 'Infinity never fires');
    },
  );
});

describe('long and infinite timeouts - threads, processes, sleep and shared objects', () => {
  for (const Ctor of [Thread, Process]) {
    test(`${Ctor.name} .join(ms) / .result(ms) - ms above 2**31 - 1 or Infinity keeps waiting; no TimeoutOverflowWarning`, T, () =>
      noTimeoutOverflow(async () => {
        const started = new Event();
        const go = new Event();
        const t = new Ctor({ target: stubborn, args: [started, go] }).start();
        await started.wait();
        const joins = LONG_WAITS.map((ms) => watch(t.join(ms)));
        const results = LONG_WAITS.map((ms) => watch(t.result(ms)));
        await elapse();
        for (const [i, ms] of LONG_WAITS.entries()) {
          assert.equal(joins[i]!.settled, undefined, `join(${ms}) ended early`);
          assert.equal(results[i]!.settled, undefined, `result(${ms}) ended early`);
        }
        go.set();
        assert.deepEqual(await Promise.all(joins.map((j) => j.promise)), [true, true, true]);
        assert.deepEqual(await Promise.all(results.map((r) => r.promise)), ['finished', 'finished', 'finished']);
      }),
    );

    test(`${Ctor.name} .stop({ graceMs }) - a grace above 2**31 - 1 ms or Infinity waits for the thread, never terminates at once`, T, () =>
      noTimeoutOverflow(async () => {
        const started = new Event();
        const go = new Event();
        const t = new Ctor({ target: stubborn, args: [started, go] }).start();
        await started.wait();
        const stops = LONG_WAITS.map((graceMs) => watch(t.stop({ graceMs })));
        await elapse();
        assert.equal(t.isAlive(), true, `terminated within the grace period: ${show(t.outcome)}`);
        for (const stop of stops) assert.equal(stop.settled, undefined);
        go.set();
        for (const stop of stops) assert.deepEqual(await stop.promise, { status: 'completed', value: 'finished' });
      }),
    );

    test(`${Ctor.name} - sleep(ms) and an Event's wait(ms) / waitSync(ms) inside it honour long and infinite timeouts`, T, () =>
      noTimeoutOverflow(async () => {
        const go = new Event();
        const runs = LONG_WAITS.flatMap((ms) => {
          const waiting = [true, false].map((sync) => {
            const started = new Event();
            return {
              what: `${sync ? 'waitSync' : 'wait'}(${ms})`,
              started,
              t: new Ctor({ target: waitForGo, args: [started, go, ms, sync] }),
            };
          });
          const started = new Event();
          const sleeping = { what: `sleep(${ms})`, started, t: new Ctor({ target: signalThenAsyncSleep, args: [started, ms] }) };
          return [...waiting, sleeping];
        });
        for (const run of runs) run.t.start();
        for (const run of runs) await run.started.wait();
        await elapse();
        for (const run of runs) assert.equal(run.t.isAlive(), true, `${run.what} ended early: ${show(run.t.outcome)}`);
        go.set();
        for (const run of runs) {
          if (run.what.startsWith('sleep')) run.t.cancel();
          assert.equal(await run.t.result(), !run.what.startsWith('sleep'), run.what);
        }
      }),
    );
  }

  test(
    'Event.wait, Lock.acquire, Semaphore.acquire, Queue.get(ms) - long and infinite timeouts keep waiting until they can proceed',
    T,
    () =>
      noTimeoutOverflow(async () => {
        const event = new Event();
        const locks = LONG_WAITS.map(() => new Lock());
        for (const lock of locks) lock.acquireSync();
        const semaphore = new Semaphore(0);
        const queue = new Queue<number>();
        const waits = LONG_WAITS.flatMap((ms, i) => [
          { what: `Event.wait(${ms})`, w: watch(event.wait(ms)), expected: true },
          { what: `Lock.acquire(${ms})`, w: watch(locks[i]!.acquire(ms)), expected: true },
          { what: `Semaphore.acquire(${ms})`, w: watch(semaphore.acquire(ms)), expected: true },
          { what: `Queue.get(${ms})`, w: watch(queue.get(ms)), expected: 7 },
        ]);
        await elapse();
        for (const { what, w } of waits) assert.equal(w.settled, undefined, `${what} ended early`);
        event.set();
        for (const lock of locks) lock.release();
        semaphore.release(LONG_WAITS.length);
        for (const _ of LONG_WAITS) queue.putSync(7);
        for (const { what, w, expected } of waits) assert.equal(await w.promise, expected, what);
      }),
  );

  test('Thread .join(Infinity) / .result(Infinity) are accepted as "no limit", as Python\'s timeout=None', T, async () => {
    const t = new Thread({ target: () => 'done' }).start();
    assert.equal(await t.join(Infinity), true);
    assert.equal(await t.result(Infinity), 'done');
    await assert.rejects(t.result(-1), RangeError);
    await assert.rejects(t.result(Number.NaN), RangeError);
    assert.throws(() => sleep(-1), { name: 'RangeError', message: 'Expected `ms` to be a number >= 0 or Infinity, got `-1` (number)' });
    await assert.rejects(new Event().wait(Number.NaN), RangeError);
    await assert.rejects(new Queue().get(0), TimeoutError);
  });
});
