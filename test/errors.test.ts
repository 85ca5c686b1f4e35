// Errors: every class exported, instanceof Error, with a stable code, and met where API.md says.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Barrier,
  BrokenBarrierError,
  Queue,
  CancelledError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TaskError,
  TerminatedError,
  Thread,
  ThreadCrashedError,
  ThreadStateError,
  TimeoutError,
  sleepSync,
} from 'threadkit';
import { withExcepthook } from './support/excepthook.ts';
import { guardThreads, T } from './support/guard.ts';

guardThreads();

const CODES = [
  [ThreadStateError, 'ERR_THREAD_STATE'],
  [CancelledError, 'ERR_CANCELLED'],
  [TerminatedError, 'ERR_TERMINATED'],
  [ThreadCrashedError, 'ERR_THREAD_CRASHED'],
  [TimeoutError, 'ERR_TIMEOUT'],
  [TaskError, 'ERR_TASK'],
  [QueueEmptyError, 'ERR_QUEUE_EMPTY'],
  [QueueFullError, 'ERR_QUEUE_FULL'],
  [QueueShutDownError, 'ERR_QUEUE_SHUT_DOWN'],
  [BrokenBarrierError, 'ERR_BROKEN_BARRIER'],
] as const;

/** Rejection or throw of `run`, asserted to be an instance of `cls`. */
async function caught<E>(cls: abstract new (...args: never[]) => E, run: () => unknown): Promise<E> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${cls.name}, nothing was thrown`);
}

test('errors - each class is exported and extends Error', T, () => {
  for (const [cls] of CODES) {
    assert.equal(typeof cls, 'function');
    assert.ok(cls.prototype instanceof Error, `${cls.name} does not extend Error`);
  }
});

test('errors - each is met where API.md says, with its stable code and name', T, async () => {
  await withExcepthook(
    () => {},
    async () => {
      const started = new Thread({ target: () => 1 }).start();
      const state = await caught(ThreadStateError, () => started.start());
      await started.join();

      const cancelledT = new Thread({ target: () => 1 });
      cancelledT.cancel();
      const cancelledError = await caught(CancelledError, () => cancelledT.start().result());

      const terminatedT = new Thread({ target: () => 1 });
      await terminatedT.terminate();
      const terminated = await caught(TerminatedError, () => terminatedT.result());

      const crashedT = new Thread({ target: () => process.exit(1) }).start();
      const crashed = await caught(ThreadCrashedError, () => crashedT.result());

      const slow = new Thread({ target: () => sleepSync(10_000) }).start();
      const timeout = await caught(TimeoutError, () => slow.result(1));
      slow.cancel();
      await slow.join();

      const task = await caught(TaskError, () => new Thread({ target: Math.max }));

      const empty = await caught(QueueEmptyError, () => new Queue().getNowait());
      const fullQueue = new Queue({ maxSize: 1 });
      fullQueue.putNowait(1);
      const full = await caught(QueueFullError, () => fullQueue.putNowait(2));
      fullQueue.shutdown();
      const shutDown = await caught(QueueShutDownError, () => fullQueue.putNowait(3));
      const broken = await caught(BrokenBarrierError, () => new Barrier(2).waitSync(0));

      const met = [state, cancelledError, terminated, crashed, timeout, task, empty, full, shutDown, broken];
      for (const [i, [cls, code]] of CODES.entries()) {
        const error = met[i] as Error & { code?: string };
        assert.ok(error instanceof Error);
        assert.equal(error.code, code, `${cls.name}.code`);
        assert.equal(error.name, cls.name);
        assert.ok(error.message.length > 0, `${cls.name} has an empty message`);
      }
    },
  );
});
