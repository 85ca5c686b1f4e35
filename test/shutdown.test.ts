// Shutting a program down: stopAll() and stopOnSignals() stop every live thread (cancel, grace, terminate).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Thread, activeCount, stopAll, stopOnSignals } from 'threadkit';
import { Program, fixture, killLeftoverChildren, runFixture, type Exit } from './support/child.ts';
import { newFlag, reached } from './support/flag.ts';
import { guardThreads, T } from './support/guard.ts';
import { exists, gone } from './support/processes.ts';
import { signalThenSleepForever, signalThenSpin } from './support/targets.ts';
import { timed } from './support/timed.ts';

guardThreads();
after(() => assert.equal(killLeftoverChildren(), 0, 'a child program was left running'));

describe('stopAll()', () => {
  test('stopAll() - cancels the polite, terminates the busy after the grace, resolves with their outcomes', T, async () => {
    const politeFlag = newFlag();
    const busyFlag = newFlag();
    const done = new Thread({ target: () => 'done' }).start();
    await done.join();
    const polite = new Thread({ target: signalThenSleepForever, args: [politeFlag] }).start();
    const busy = new Thread({ target: signalThenSpin, args: [busyFlag] }).start();
    await Promise.all([reached(polite, politeFlag), reached(busy, busyFlag)]);
    const { value: outcomes, ms } = await timed(() => stopAll({ graceMs: 100 }));
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['cancelled', 'terminated']);
    assert.equal(polite.outcome?.status, 'cancelled');
    assert.deepEqual(busy.outcome, { status: 'terminated' });
    assert.deepEqual(done.outcome, { status: 'completed', value: 'done' }, 'an ended thread is left as it was');
    assert.equal(activeCount(), 0);
    assert.ok(ms < 2_000, `took ${ms} ms`);
  });

  test('stopAll() - validates its options, also with no live thread', T, async () => {
    await assert.rejects(stopAll(5 as never), {
      name: 'TypeError',
      message: 'Expected `options` to be an object or undefined, got `5` (number)',
    });
    await assert.rejects(stopAll({ grace: 5 } as never), {
      name: 'TypeError',
      message: 'Unknown option `grace` for stopAll(); expected one of: graceMs',
    });
    await assert.rejects(stopAll({ graceMs: -1 }), RangeError);
  });

  test('stopAll() - with no live thread resolves with []', T, async () => {
    assert.deepEqual(await stopAll(), []);
  });
});

describe('stopOnSignals()', () => {
  /**
   * Runs the shutdown-signals fixture with `args` until its thread runs, then sends it `signal`:
   * resolves with its exit and the milliseconds from the signal to the exit.
   */
  async function signalFixture(args: string[], signal: NodeJS.Signals): Promise<{ value: Exit; ms: number }> {
    const program = runFixture('shutdown-signals.ts', args);
    await program.waitForLine('ready');
    return timed(() => {
      program.child.kill(signal);
      return program.exited();
    });
  }

  test('stopOnSignals() - validates its options at the call, installing no handler when they are wrong', T, () => {
    const listeners = () => ['SIGINT', 'SIGTERM', 'SIGHUP'].map((signal) => process.listenerCount(signal));
    const before = listeners();
    const expectations: Array<[unknown, ErrorConstructor, string]> = [
      [5, TypeError, 'Expected `options` to be an object or undefined, got `5` (number)'],
      [{ grace: 5 }, TypeError, 'Unknown option `grace` for stopOnSignals(); expected one of: graceMs, signals'],
      [{ graceMs: -1 }, RangeError, 'Expected `graceMs` to be a number >= 0 or Infinity, got `-1` (number)'],
      [{ graceMs: Number.NaN }, RangeError, 'Expected `graceMs` to be a number >= 0 or Infinity, got `NaN` (number)'],
      [{ signals: 'SIGINT' }, TypeError, 'Expected `signals` to be an array of signal names such as \'SIGINT\', got `"SIGINT"` (string)'],
      [{ signals: ['SIGNOPE'] }, TypeError, "Expected `signals` to list signal names such as 'SIGINT', got `SIGNOPE`"],
    ];
    for (const [options, Cls, message] of expectations) {
      assert.throws(
        () => stopOnSignals(options as never),
        (error: unknown) => {
          assert.ok(error instanceof Cls, `${JSON.stringify(options)}: ${String(error)}`);
          assert.equal(error.message, message);
          return true;
        },
      );
    }
    assert.deepEqual(listeners(), before, 'no handler was installed');
    const uninstall = stopOnSignals({ graceMs: 0, signals: ['SIGHUP'] });
    assert.equal(process.listenerCount('SIGHUP'), before[2]! + 1);
    uninstall();
  });

  for (const behaviour of ['busy', 'polite'] as const) {
    test(`stopOnSignals() - SIGINT stops a ${behaviour} non-daemon thread and exits promptly with 130`, T, async () => {
      const { value: exit, ms } = await signalFixture([behaviour, 'install'], 'SIGINT');
      assert.equal(exit.code, 130, `exit ${exit.code} ${exit.signal}\nstderr: ${exit.stderr}`);
      assert.ok(ms < 5_000, `exited ${ms} ms after SIGINT`);
    });
  }

  test('stopOnSignals() - SIGTERM exits with 143', T, async () => {
    const { value: exit } = await signalFixture(['busy', 'install'], 'SIGTERM');
    assert.equal(exit.code, 143, `exit ${exit.code} ${exit.signal}\nstderr: ${exit.stderr}`);
  });

  test('stopOnSignals() - the function it returns uninstalls the handlers', T, async () => {
    const { value: exit } = await signalFixture(['busy', 'uninstall'], 'SIGINT');
    assert.equal(exit.signal, 'SIGINT', `exit ${exit.code} ${exit.signal}: the default SIGINT handler should have run`);
  });
});

describe('Ctrl-C', () => {
  /**
   * Runs the ctrl-c fixture in its own process group, as a terminal runs a job, until both its
   * targets run; then sends SIGINT to the whole group, as Ctrl-C does. Resolves with its exit and
   * the pid of its Process's child.
   */
  async function ctrlC(mode: 'install' | 'none'): Promise<{ exit: Exit; pid: number }> {
    const program = new Program(process.execPath, ['--import', 'tsx', fixture('ctrl-c.ts'), mode], { detached: true });
    await program.waitForLine('process running');
    await program.waitForLine('thread running');
    const pid = Number(
      program
        .lines()
        .find((line) => line.startsWith('pid '))!
        .slice(4),
    );
    assert.ok(exists(pid), 'the Process child runs');
    process.kill(-program.child.pid!, 'SIGINT');
    return { exit: await program.exited(), pid };
  }

  test('stopOnSignals() - Ctrl-C stops a Process politely, like a Thread: its cleanup runs, outcome cancelled', T, async () => {
    const { exit, pid } = await ctrlC('install');
    assert.equal(exit.code, 130, `exit ${exit.code} ${exit.signal}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`);
    for (const kind of ['process', 'thread']) {
      assert.match(exit.stdout, new RegExp(`^${kind} cleanup$`, 'm'), `${kind}: no cleanup\n${exit.stdout}`);
      assert.match(exit.stdout, new RegExp(`^${kind} outcome cancelled$`, 'm'), `${kind}: not cancelled\n${exit.stdout}`);
    }
    assert.doesNotMatch(exit.stderr, /Exception in thread/);
    await gone(pid, 5_000);
  });

  test('without stopOnSignals() - Ctrl-C ends the program, and its Process child goes with it', T, async () => {
    const { exit, pid } = await ctrlC('none');
    assert.equal(exit.signal, 'SIGINT', `exit ${exit.code} ${exit.signal}\nstderr: ${exit.stderr}`);
    await gone(pid, 5_000);
  });
});
