// Shutting a program down: stopAll() and stopOnSignals() stop every live thread (cancel, grace, terminate).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Thread, activeCount, checkpoint, sleepSync, stopAll } from 'threadkit';
import { killLeftoverChildren, runFixture } from './support/child.ts';
import { newFlag, reached } from './support/flag.ts';
import { guardThreads, T } from './support/guard.ts';

guardThreads();
after(() => assert.equal(killLeftoverChildren(), 0, 'a child program was left running'));

describe('stopAll()', () => {
  test('stopAll() - cancels the polite, terminates the busy after the grace, resolves with their outcomes', T, async () => {
    const politeFlag = newFlag();
    const busyFlag = newFlag();
    const done = new Thread({ target: () => 'done' }).start();
    await done.join();
    const polite = new Thread({
      target: (f: Int32Array) => {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        for (;;) {
          sleepSync(60_000);
          checkpoint();
        }
      },
      args: [politeFlag],
    }).start();
    const busy = new Thread({
      target: (f: Int32Array) => {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        for (;;);
      },
      args: [busyFlag],
    }).start();
    await Promise.all([reached(polite, politeFlag), reached(busy, busyFlag)]);
    const t0 = performance.now();
    const outcomes = await stopAll({ graceMs: 100 });
    const ms = performance.now() - t0;
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['cancelled', 'terminated']);
    assert.equal(polite.outcome?.status, 'cancelled');
    assert.deepEqual(busy.outcome, { status: 'terminated' });
    assert.deepEqual(done.outcome, { status: 'completed', value: 'done' }, 'an ended thread is left as it was');
    assert.equal(activeCount(), 0);
    assert.ok(ms < 2_000, `took ${ms} ms`);
  });

  test('stopAll() - with no live thread resolves with []', T, async () => {
    assert.deepEqual(await stopAll(), []);
  });
});

describe('stopOnSignals()', () => {
  for (const behaviour of ['busy', 'polite'] as const) {
    test(`stopOnSignals() - SIGINT stops a ${behaviour} non-daemon thread and exits promptly with 130`, T, async () => {
      const program = runFixture('shutdown-signals.ts', [behaviour, 'install']);
      await program.waitForLine('ready');
      const t0 = performance.now();
      program.child.kill('SIGINT');
      const exit = await program.exited();
      const ms = performance.now() - t0;
      assert.equal(exit.code, 130, `exit ${exit.code} ${exit.signal}\nstderr: ${exit.stderr}`);
      assert.ok(ms < 5_000, `exited ${ms} ms after SIGINT`);
    });
  }

  test('stopOnSignals() - SIGTERM exits with 143', T, async () => {
    const program = runFixture('shutdown-signals.ts', ['busy', 'install']);
    await program.waitForLine('ready');
    program.child.kill('SIGTERM');
    const exit = await program.exited();
    assert.equal(exit.code, 143, `exit ${exit.code} ${exit.signal}\nstderr: ${exit.stderr}`);
  });

  test('stopOnSignals() - the function it returns uninstalls the handlers', T, async () => {
    const program = runFixture('shutdown-signals.ts', ['busy', 'uninstall']);
    await program.waitForLine('ready');
    program.child.kill('SIGINT');
    const exit = await program.exited();
    assert.equal(exit.signal, 'SIGINT', `exit ${exit.code} ${exit.signal}: the default SIGINT handler should have run`);
  });
});
