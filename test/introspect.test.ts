// Introspection on the main side: mainThread(), enumerate(), activeCount().

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Thread, activeCount, currentThread, enumerate, mainThread, sleepSync } from 'threadkit';
import { newFlag, reached } from './support/flag.ts';
import { withExcepthook } from './support/excepthook.ts';
import { guardThreads, T } from './support/guard.ts';
import { signalThenSleepAndReturn } from './support/targets.ts';

guardThreads();

test('mainThread() - describes the main thread', T, () => {
  const main = mainThread();
  assert.equal(main.isMain, true);
  assert.equal(main.daemon, false);
  assert.equal(typeof main.name, 'string');
  assert.deepEqual({ ...main }, { ...currentThread() });
});

test('enumerate() - lists the live threads: not before start(), from start() until the end', T, async () => {
  const flag = newFlag();
  const t = new Thread({ target: signalThenSleepAndReturn, args: [flag] });
  assert.deepEqual(enumerate(), []);
  assert.equal(activeCount(), 0);
  t.start();
  assert.deepEqual(enumerate(), [t]);
  assert.equal(activeCount(), 1);
  await reached(t, flag);
  assert.deepEqual(enumerate(), [t]);
  t.cancel();
  await t.join();
  assert.deepEqual(enumerate(), []);
  assert.equal(activeCount(), 0);
});

test('activeCount() - equals enumerate().length and does not count the calling thread', T, async () => {
  const threads = [1, 2, 3].map(() => new Thread({ target: () => sleepSync(10_000) }).start());
  assert.equal(activeCount(), 3);
  assert.equal(enumerate().length, 3);
  assert.deepEqual(new Set(enumerate()), new Set(threads));
  threads[1]!.cancel();
  await threads[1]!.join();
  assert.equal(activeCount(), 2);
  assert.deepEqual(new Set(enumerate()), new Set([threads[0], threads[2]]));
  for (const t of threads) t.cancel();
  await Promise.all(threads.map((t) => t.join()));
  assert.equal(activeCount(), 0);
});

test('enumerate() - failed and terminated threads leave it', T, async () => {
  const failing = new Thread({
    target: () => {
      throw new Error('x');
    },
  });
  await withExcepthook(
    () => {},
    async () => {
      failing.start();
      const spinning = new Thread({
        target: () => {
          for (;;);
        },
      }).start();
      await failing.join();
      assert.deepEqual(enumerate(), [spinning]);
      await spinning.terminate();
      assert.deepEqual(enumerate(), []);
    },
  );
});

test('enumerate() - returns a copy the caller may change', T, async () => {
  const t = new Thread({ target: () => sleepSync(10_000) }).start();
  const list = enumerate();
  list.pop();
  assert.deepEqual(enumerate(), [t]);
  t.cancel();
  await t.join();
});
