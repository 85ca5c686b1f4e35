// TaskScope on the main thread: options, the three policies, every way of leaving, and failures reported once.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  CancelledError,
  Event,
  Process,
  TaskScope,
  Thread,
  ThreadStateError,
  TimeoutError,
  enumerate,
  type ExceptHookInfo,
} from 'threadkit';
import { signalThenSleep, signalThenSleepForever, stubborn } from '../support/targets.ts';
import { newFlag, show, waitFlag } from '../support/flag.ts';
import { exists } from '../support/processes.ts';
import { withExcepthook } from '../support/excepthook.ts';
import { killLeftoverChildren, runFixture } from '../support/child.ts';
import { guardThreads, T } from '../support/guard.ts';

const fail = (message: string): never => {
  throw new RangeError(message);
};

describe('TaskScope', () => {
  guardThreads();

  test('new TaskScope() - bad options are named errors and nothing is set up', () => {
    assert.throws(() => new TaskScope({ nope: 1 } as never), TypeError);
    assert.throws(() => new TaskScope({ policy: 'any' as never }), TypeError);
    assert.throws(() => new TaskScope({ signal: {} as never }), TypeError);
    assert.throws(() => new TaskScope({ name: '' }), TypeError);
    assert.throws(() => new TaskScope({ deadlineMs: -1 }), RangeError);
    assert.throws(() => new TaskScope({ graceMs: Infinity }), RangeError);
    assert.throws(() => new TaskScope(null as never), TypeError);
    const scope = new TaskScope({ deadlineMs: Infinity, graceMs: 0, name: 'named' });
    assert.equal(scope.name, 'named');
    assert.equal(scope.state, 'open');
    assert.match(new TaskScope().name, /^TaskScope-\d+$/);
  });

  test('.join() - allSucceed resolves with the values in the order added; [] for none', T, async () => {
    const scope = new TaskScope();
    scope.thread((a: number) => a * 2, 21);
    scope.process((s: string) => s.toUpperCase(), 'ok');
    scope.thread(async () => 'async');
    assert.deepEqual(await scope.join(), [42, 'OK', 'async']);
    assert.equal(scope.state, 'ended');
    assert.strictEqual(scope.join(), scope.join());
    assert.deepEqual(await new TaskScope().join(), []);
  });

  test('.join() - allSucceed: the first failure rejects with its own error and wakes every sibling blocked in sleepSync', T, async () => {
    const flags = [newFlag(), newFlag(), newFlag()];
    const scope = new TaskScope({ graceMs: 5000 });
    const sleepers = flags.map((f) => scope.thread(signalThenSleepForever, f));
    const proc = scope.process(signalThenSleep, newFlag(), 60_000);
    await Promise.all(flags.map((f) => waitFlag(f)));
    scope.thread(fail, 'boom');
    await assert.rejects(scope.join(), (error: unknown) => error instanceof RangeError && error.message === 'boom');
    for (const t of sleepers) assert.equal(t.outcome?.status, 'cancelled', show(t.outcome));
    const reason = (sleepers[0]!.outcome as { reason: unknown }).reason;
    assert.ok(reason instanceof CancelledError && reason.message.includes('failed'), show(reason));
    assert.equal(proc.outcome?.status, 'cancelled', show(proc.outcome));
    assert.equal(exists(proc.pid!), false);
    assert.equal(scope.outcomes[4]?.status, 'failed');
    assert.deepEqual(enumerate(), []);
  });

  test('.join() - firstSucceeds resolves with the first value and cancels the others; AggregateError when none completes', T, async () => {
    const f = newFlag();
    const scope = new TaskScope({ policy: 'firstSucceeds' });
    const slow = scope.thread(signalThenSleepForever, f);
    await waitFlag(f);
    scope.thread(() => 'found');
    assert.equal(await scope.join(), 'found');
    assert.equal(slow.outcome?.status, 'cancelled');
    const none = new TaskScope({ policy: 'firstSucceeds' });
    none.thread(fail, 'a');
    none.thread(fail, 'b');
    await assert.rejects(none.join(), (error: unknown) => {
      assert.ok(error instanceof AggregateError);
      assert.deepEqual(
        error.errors.map((e: Error) => e.message),
        ['a', 'b'],
      );
      return true;
    });
    await assert.rejects(new TaskScope({ policy: 'firstSucceeds' }).join(), AggregateError);
  });

  test(".join() - 'all' resolves with every outcome and cancels nothing", T, async () => {
    const scope = new TaskScope({ policy: 'all' });
    scope.thread(fail, 'x');
    scope.thread(() => 1);
    const outcomes = (await scope.join()) as Array<{ status: string }>;
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['failed', 'completed'],
    );
  });

  test(
    'deadlineMs - join() throws TimeoutError; a cooperative child ends cancelled, a stubborn one terminated after graceMs',
    T,
    async () => {
      const started = new Event();
      const go = new Event();
      const f = newFlag();
      // Both running before the scope's clock starts: one cancelled before its target begins would end cancelled, never run.
      const cooperative = new Thread({ target: signalThenSleepForever, args: [f] }).start();
      const hard = new Thread({ target: stubborn, args: [started, go] }).start();
      await Promise.all([waitFlag(f), started.wait()]);
      const scope = new TaskScope({ deadlineMs: 100, graceMs: 1000 });
      scope.add(cooperative);
      scope.add(hard);
      await assert.rejects(scope.join(), TimeoutError);
      assert.equal(cooperative.outcome?.status, 'cancelled');
      assert.ok((cooperative.outcome as { reason: unknown }).reason instanceof TimeoutError);
      assert.equal(hard.outcome?.status, 'terminated');
      assert.deepEqual(enumerate(), []);
    },
  );

  test('signal - an abort cancels the scope (join() throws CancelledError with its reason); an aborted one at once', T, async () => {
    const controller = new AbortController();
    const f = newFlag();
    const scope = new TaskScope({ signal: controller.signal });
    const t = scope.thread(signalThenSleepForever, f);
    await waitFlag(f);
    controller.abort('stop now');
    assert.equal(scope.state, 'cancelling');
    await assert.rejects(scope.join(), (error: unknown) => error instanceof CancelledError && error.reason === 'stop now');
    assert.equal(t.outcome?.status, 'cancelled');
    const early = new TaskScope({ signal: AbortSignal.abort('gone') });
    assert.equal(early.state, 'cancelling');
    assert.throws(() => early.thread(() => 1), ThreadStateError);
    await assert.rejects(early.join(), (error: unknown) => error instanceof CancelledError && error.reason === 'gone');
  });

  test('.cancel() - cancels every child with the reason; idempotent; adding after it throws ThreadStateError', T, async () => {
    const f = newFlag();
    const scope = new TaskScope();
    const t = scope.thread(signalThenSleepForever, f);
    await waitFlag(f);
    scope.cancel('enough');
    scope.cancel('again');
    assert.throws(() => scope.add(new Thread({ target: () => 1 })), ThreadStateError);
    await assert.rejects(scope.join(), (error: unknown) => error instanceof CancelledError && error.reason === 'enough');
    assert.deepEqual(t.outcome, { status: 'cancelled', reason: 'enough' });
    scope.cancel('after');
    assert.equal(scope.state, 'ended');
  });

  test('.add() - starts a new Thread, adopts a running Process and an ended one, ignores a second add', T, async () => {
    const scope = new TaskScope();
    const fresh = new Thread({ target: () => 'fresh' });
    assert.equal(scope.add(fresh), fresh);
    assert.notEqual(fresh.state, 'new');
    const running = new Process({ target: () => 'proc' }).start();
    scope.add(running);
    scope.add(running);
    const done = new Thread({ target: () => 'done' }).start();
    await done.join();
    scope.add(done);
    assert.throws(() => scope.add({} as never), TypeError);
    assert.deepEqual(await scope.join(), ['fresh', 'proc', 'done']);
    assert.equal(scope.children.length, 3);
  });

  test('await using - leaving the block after an exception ends every child, and the error propagates unchanged', T, async () => {
    const f = newFlag();
    let child: Thread | undefined;
    let pid = 0;
    await assert.rejects(async () => {
      await using scope = new TaskScope();
      child = scope.thread(signalThenSleepForever, f);
      pid = scope.process(signalThenSleepForever, newFlag()).pid!;
      await waitFlag(f);
      throw new Error('left early');
    }, /left early/);
    assert.equal(child?.outcome?.status, 'cancelled');
    assert.equal(exists(pid), false);
    assert.deepEqual(enumerate(), []);
  });

  test('excepthook - failures go through join() only; a scope left without join() reports each once', T, async () => {
    const reports: ExceptHookInfo[] = [];
    await withExcepthook(
      (info) => void reports.push(info),
      async () => {
        const joined = new TaskScope({ policy: 'all' });
        joined.thread(fail, 'joined');
        await joined.join();
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(reports.length, 0, show(reports));
        let failed: Thread | undefined;
        {
          await using left = new TaskScope({ policy: 'all' });
          failed = left.thread(fail, 'left');
          await failed.join();
        }
        assert.equal(reports.length, 1);
        assert.equal(reports[0]!.thread, failed);
      },
    );
  });
});

describe('TaskScope - what holds the program open', () => {
  after(() => assert.equal(killLeftoverChildren(), 0, 'a child program was left running'));

  test('daemon - a scope nobody waits for does not hold a daemon child; a pending join() does', T, async () => {
    const unjoined = await runFixture('scope-daemon.ts', ['unjoined']).exited();
    assert.equal(unjoined.code, 0, unjoined.stderr);
    assert.equal(unjoined.stdout, 'main done\n');
    const joined = await runFixture('scope-daemon.ts', ['joined']).exited();
    assert.equal(joined.code, 0, joined.stderr);
    assert.equal(joined.stdout, 'main done\njoined: late\n');
  });
});
