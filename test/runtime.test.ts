// In-thread functions: the same calls work inline in the main thread and inside a thread.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Process, TaskError, Thread, cancelled, cancelSignal, checkpoint, currentThread, mainThread, sleep, sleepSync } from 'threadkit';
import { checksum, whoAmI } from './fixtures/tasks.ts';
import { withExcepthook } from './support/excepthook.ts';
import { newFlag, reached } from './support/flag.ts';
import { guardThreads, T } from './support/guard.ts';

guardThreads();

describe('in the main thread (inline, where nothing ever cancels)', () => {
  test('cancelled() - is false', T, () => {
    assert.equal(cancelled(), false);
  });

  test('checkpoint() - does not throw', T, () => {
    assert.doesNotThrow(() => checkpoint());
  });

  test('sleepSync() - blocks for about ms and returns true', T, () => {
    const t0 = performance.now();
    assert.equal(sleepSync(50), true);
    const took = performance.now() - t0;
    assert.ok(took >= 45, `returned after ${took} ms`);
    assert.equal(sleepSync(0), true);
  });

  test('sleep() - resolves true after about ms', T, async () => {
    const t0 = performance.now();
    assert.equal(await sleep(30), true);
    assert.ok(performance.now() - t0 >= 25);
  });

  test('cancelSignal() - is not aborted', T, () => {
    const signal = cancelSignal();
    assert.ok(signal instanceof AbortSignal);
    assert.equal(signal.aborted, false);
  });

  test('currentThread() - is the main thread', T, () => {
    const me = currentThread();
    assert.equal(me.isMain, true);
    assert.deepEqual({ ...me }, { ...mainThread() });
  });
});

describe('the same task inline and in a thread', () => {
  test('task() - a module task gives the same result inline, in a Thread and in a Process', T, async () => {
    const inline = checksum(200_000);
    const [threaded, forked] = await Promise.all([
      new Thread({ target: checksum, args: [200_000] }).start().result(),
      new Process({ target: checksum, args: [200_000] }).start().result(),
    ]);
    assert.deepEqual(threaded, inline);
    assert.deepEqual(forked, inline);
    assert.equal(inline.cancelled, false);
  });

  test('currentThread() - a module task sees the main thread inline and its own thread inside', T, async () => {
    assert.equal(whoAmI().isMain, true);
    const t = new Thread({ target: whoAmI, name: 'who', daemon: true }).start();
    const inside = await t.result();
    assert.deepEqual({ ...inside }, { name: 'who', ident: t.ident, daemon: true, isMain: false });
  });
});

describe('inside a thread', () => {
  test('currentThread() - gives the thread its name, ident and daemon flag', T, async () => {
    const threads = [
      new Thread({ target: () => ({ ...currentThread() }), name: 'alpha' }),
      new Thread({ target: () => ({ ...currentThread() }), daemon: true }),
    ];
    for (const t of threads) t.start();
    for (const t of threads) {
      assert.deepEqual(await t.result(), { name: t.name, ident: t.ident, daemon: t.daemon, isMain: false });
    }
  });

  test('cancelled(), checkpoint(), cancelSignal() - quiet until cancel()', T, async () => {
    const t = new Thread({
      target: () => {
        checkpoint();
        return { cancelled: cancelled(), aborted: cancelSignal().aborted, slept: sleepSync(1) };
      },
    }).start();
    assert.deepEqual(await t.result(), { cancelled: false, aborted: false, slept: true });
  });

  test('sleep() - resolves true when the time is up', T, async () => {
    const t = new Thread({ target: async () => await sleep(10) }).start();
    assert.equal(await t.result(), true);
  });
});

/* eslint-disable @typescript-eslint/no-implied-eval -- these targets are source text as a bundler wrote it. */
describe('plain functions from a bundle (names a bundler gave the in-thread functions)', () => {
  test('a renamed import (`sleepSync2`) and a namespace (`(0, tk.cancelled)()`) reach the in-thread functions', T, async () => {
    // What esbuild writes for a name that collides in the bundle, and webpack (without mangled exports) for an import.
    const target = new Function(
      'f',
      'Atomics.store(f, 0, 1); Atomics.notify(f, 0); const slept = sleepSync2(60000); return { slept, cancelled: (0, tk.cancelled)(), seen: cancelled$1() };',
    ) as (f: Int32Array) => unknown;
    const flag = newFlag();
    const t = new Thread({ target, args: [flag] }).start();
    await reached(t, flag);
    t.cancel();
    assert.deepEqual(await t.result(), { slept: false, cancelled: true, seen: true });
  });

  test('a local of the same name still shadows them', T, async () => {
    const target = new Function('tk', 'const sleepSync2 = () => "mine"; return [sleepSync2(), tk.sleep];') as (tk: object) => unknown;
    assert.deepEqual(await new Thread({ target, args: [{ sleep: 'own' }] }).start().result(), ['mine', 'own']);
  });

  test("webpack's shortened export names - the TaskError says to keep them (mangleExports: false)", T, async () => {
    const target = new Function('return (0, zq.PW)(10);') as () => unknown;
    const reported: unknown[] = [];
    await withExcepthook(
      ({ error }) => reported.push(error),
      () =>
        assert.rejects(new Thread({ target }).start().result(), (error: unknown) => {
          assert.ok(error instanceof TaskError);
          assert.match(error.message, /uses `zq`.*bundler's name for an imported module.*mangleExports: false/s);
          return true;
        }),
    );
    assert.equal(reported.length, 1);
  });
});
/* eslint-enable @typescript-eslint/no-implied-eval */
