// Nothing leaks: hundreds of lifecycles leave no worker, MessagePort, timer or listener, and memory stays flat.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Thread } from 'threadkit';
import { newFlag, reached } from './support/flag.ts';
import { withExcepthook } from './support/excepthook.ts';
import { guardThreads } from './support/guard.ts';
import { signalThenSleep, signalThenSpin } from './support/targets.ts';

guardThreads();

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Active handles and requests by type, e.g. { Timeout: 1, MessagePort: 0 }. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Listener counts on process, stdout and stderr, by event name. */
function listeners(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [label, emitter] of [
    ['process', process],
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const) {
    for (const name of emitter.eventNames()) counts[`${label}.${String(name)}`] = emitter.listenerCount(name);
  }
  return counts;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves once no filesystem request has been in flight on this thread for three settle()s in a
 * row. On Node 22 and later tsx loads modules on the main thread and writes its transform cache
 * without awaiting the writes, then prunes the cache from a setImmediate; so in a fresh clone this
 * file starts with FSReqCallback/FSReqPromise entries that belong to tsx, not to threadkit, and a
 * baseline taken then never matches. Waiting them out (a few ms) keeps the final comparison exact:
 * threadkit itself starts no asynchronous filesystem request, so one still open at the end is a leak.
 */
async function filesystemIdle(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let quiet = 0; quiet < 3;) {
    await settle();
    quiet = Object.keys(resources()).some((type) => type.startsWith('FSReq')) ? 0 : quiet + 1;
    assert.ok(Date.now() < deadline, `filesystem requests still open after 10 s: ${JSON.stringify(resources())}`);
  }
}

/** One round of four lifecycles ending each way: completed, failed, cancelled, terminated. */
async function round(): Promise<void> {
  const completed = new Thread({ target: (n: number) => n + 1, args: [1] }).start();
  const failed = new Thread({
    target: () => {
      throw new Error('expected');
    },
  }).start();
  const cancelFlag = newFlag();
  const cancelledT = new Thread({ target: signalThenSleep, args: [cancelFlag] }).start();
  const spinFlag = newFlag();
  const terminated = new Thread({ target: signalThenSpin, args: [spinFlag] }).start();
  await Promise.all([reached(cancelledT, cancelFlag), reached(terminated, spinFlag)]);
  cancelledT.cancel();
  await terminated.terminate();
  await Promise.all([completed.join(), failed.join(), cancelledT.join()]);
  assert.deepEqual(
    [completed, failed, cancelledT, terminated].map((t) => t.outcome?.status),
    ['completed', 'failed', 'cancelled', 'terminated'],
  );
}

test('lifecycles - 200 start/join cycles leave no worker, port, timer or listener, and memory flat', { timeout: 120_000 }, async () => {
  await withExcepthook(
    () => {},
    async () => {
      await filesystemIdle();
      await settle();
      const baseResources = resources();
      const baseListeners = listeners();

      for (let i = 0; i < 10; i += 1) await round();
      await settle();
      gc();
      const heapAfterWarmup = process.memoryUsage().heapUsed;

      for (let i = 0; i < 40; i += 1) await round();
      await settle();
      gc();
      const heapAfter = process.memoryUsage().heapUsed;

      assert.deepEqual(resources(), baseResources, 'active resources are not back to where they were');
      assert.deepEqual(listeners(), baseListeners, 'listeners are not back to where they were');
      const growthMb = (heapAfter - heapAfterWarmup) / 2 ** 20;
      assert.ok(growthMb < 8, `heap grew ${growthMb.toFixed(1)} MB over 160 lifecycles`);
    },
  );
});
