// Thread: the lifecycle contract on worker threads, plus what only a worker thread has.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Process, Thread, ThreadCrashedError, type ExceptHookInfo } from 'threadkit';
import { lifecycleContract } from './contract/lifecycle.ts';
import { add } from './fixtures/tasks.ts';
import { Program, fixture, killLeftoverChildren, runFixture } from './support/child.ts';
import { withExcepthook } from './support/excepthook.ts';
import { show } from './support/flag.ts';
import { guardThreads, T } from './support/guard.ts';

lifecycleContract({ name: 'Thread', Ctor: Thread });

describe('Thread - worker-only behaviour', () => {
  guardThreads();
  after(() => assert.equal(killLeftoverChildren(), 0, 'a child program was left running'));

  test('from source - threadkit runs from src/ under tsx (Thread and Process)', { timeout: 60_000 }, async () => {
    const exit = await runFixture('from-source.ts').exited();
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /^sum 5 sleeper cancelled doubled 42$/m);
  });

  test('resourceLimits - running out of memory fails with ThreadCrashedError saying so', T, async () => {
    const reports: ExceptHookInfo[] = [];
    await withExcepthook(
      (info) => void reports.push(info),
      async () => {
        const t = new Thread({
          target: () => {
            const hoard: number[][] = [];
            for (;;) hoard.push(new Array<number>(100_000).fill(hoard.length));
          },
          resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
        }).start();
        await t.join();
        assert.equal(t.outcome?.status, 'failed', show(t.outcome));
        const error = t.outcome?.status === 'failed' ? t.outcome.error : undefined;
        assert.ok(error instanceof ThreadCrashedError, show(error));
        assert.match(error.message, /memory/i);
        assert.equal(reports.filter((r) => r.thread === t).length, 1);
      },
    );
  });

  test('100 threads at once - no MaxListenersExceededWarning', T, async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const threads = Array.from({ length: 100 }, (_, i) => new Thread({ target: (n: number) => n * 2, args: [i] }).start());
      const results = await Promise.all(threads.map((t) => t.result()));
      assert.deepEqual(
        results,
        Array.from({ length: 100 }, (_, i) => i * 2),
      );
      // Warnings are emitted on process.nextTick: let them surface before looking.
      await new Promise((resolve) => setImmediate(resolve));
      const maxListeners = warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
      assert.deepEqual(
        maxListeners.map((w) => w.message),
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('excepthook - a hook that throws does not crash the parent', T, async () => {
    const program = runFixture('excepthook-throws.ts');
    const exit = await program.exited();
    assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}\nstderr: ${exit.stderr}`);
    assert.match(exit.stdout, /^after join: failed$/m);
    assert.match(exit.stdout, /^still running$/m);
  });

  test('excepthook - an async hook whose promise rejects is reported like one that throws, and does not crash the parent', T, async () => {
    const program = runFixture('excepthook-rejects.ts');
    const exit = await program.exited();
    assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}\nstderr: ${exit.stderr}`);
    assert.match(exit.stdout, /^after join: failed$/m);
    assert.match(exit.stdout, /^still running$/m);
    assert.match(exit.stderr, /^Exception in threadkit excepthook:\nError: logger down\n/m);
    assert.match(exit.stderr, /Exception in thread Thread-\d+:\nError: the target fails/, 'then the default report');
    assert.equal(exit.stderr.match(/Exception in thread /g)?.length, 1, 'the failure is reported once');
  });

  test('excepthook - the default prints "Exception in thread <name>:" and the stack to stderr', T, async () => {
    const program = runFixture('excepthook-default.ts');
    const exit = await program.exited();
    assert.equal(exit.code, 0, `exit ${exit.code}\nstderr: ${exit.stderr}`);
    assert.match(exit.stderr, /Exception in thread failing-thread:\n/);
    assert.match(exit.stderr, /Error: printed by the default hook/);
    assert.match(exit.stderr, /explodeInThread/, 'the stack of the thread is printed');
    assert.equal(exit.stderr.match(/Exception in thread/g)?.length, 1, 'printed once');
    assert.match(exit.stdout, /^done$/m);
  });

  test('excepthook - Thread.excepthook and Process.excepthook are one hook', T, () => {
    const saved = Thread.excepthook;
    const hook = () => {};
    try {
      Thread.excepthook = hook;
      assert.equal(Process.excepthook, hook);
      const other = () => {};
      Process.excepthook = other;
      assert.equal(Thread.excepthook, other);
    } finally {
      Thread.excepthook = saved;
    }
  });

  test('TypeScript task modules - run in a thread under tsx (interfaces, enums, generics)', T, async () => {
    const t = new Thread({ target: add, args: [40, 2] }).start();
    assert.equal(await t.result(), 42);
  });

  test('flags - threads inherit --expose-gc and --max-old-space-size, and .ts tasks still load', T, async () => {
    const program = runFixture('flags.ts', [], ['--expose-gc', '--max-old-space-size=256']);
    const exit = await program.exited();
    assert.equal(exit.code, 0, `exit ${exit.code}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`);
    assert.deepEqual(JSON.parse(exit.stdout.trim()), { plain: 'function', task: 'function', sum: 5 });
  });

  test('creation failure - a thread that cannot be created (too many open files) ends as a crash, no hang', T, async () => {
    // A low open-file limit makes worker creation fail part way through a burst of threads.
    const command = `ulimit -n 120 && exec "${process.execPath}" --import tsx "${fixture('emfile.ts')}" 80`;
    const program = new Program('sh', ['-c', command]);
    const exit = await program.exited();
    assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`);
    const summary = JSON.parse(exit.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(summary.activeAfter, 0);
    assert.equal(summary.otherStatuses, 0, show(summary));
    assert.ok((summary.crashed as number) > 0, `no creation failed, the test proved nothing: ${show(summary)}`);
  });
});
