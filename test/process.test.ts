// Process: the lifecycle contract on child processes, plus what only a process has (pid, signals, no orphans).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Process, TaskError, Thread, ThreadCrashedError, sleepSync, type ExceptHookInfo } from 'threadkit';
import { lifecycleContract } from './contract/lifecycle.ts';
import { blockInNative } from './fixtures/native.ts';
import { Program, killLeftoverChildren, runFixture } from './support/child.ts';
import { newFlag, show, waitFlag } from './support/flag.ts';
import { guardThreads, T } from './support/guard.ts';
import { exists, gone } from './support/processes.ts';

lifecycleContract({ name: 'Process', Ctor: Process });

/** Started and running (its target began): the owner sees 'running' once the child says so. */
async function running(p: Process): Promise<void> {
  while (p.state === 'starting') await new Promise((resolve) => setImmediate(resolve));
  assert.equal(p.state, 'running', show(p.outcome));
}

describe('Process - what only a process has', () => {
  guardThreads();
  after(() => assert.equal(killLeftoverChildren(), 0, 'a child program was left running'));

  const reports: ExceptHookInfo[] = [];
  const saved = Process.excepthook;
  Process.excepthook = (info) => void reports.push(info);
  after(() => (Process.excepthook = saved));

  test('pid, exitCode, signalCode - pid is the ident; exit code 0 and no signal after completing', T, async () => {
    const p = new Process({ target: () => 7 });
    assert.equal(p.pid, null);
    p.start();
    assert.equal(typeof p.pid, 'number');
    assert.equal(p.pid, p.ident);
    assert.equal(await p.result(), 7);
    assert.equal(p.exitCode, 0);
    assert.equal(p.signalCode, null);
  });

  test("flags - a program run with node -e starts a Process (the parent's -e script is not passed on)", { timeout: 30_000 }, async () => {
    const code =
      "import('threadkit').then(async ({ Process }) => console.log('result', await new Process({ target: () => 7 }).start().result()))";
    const exit = await new Program(process.execPath, ['-e', code]).exited();
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stdout, 'result 7\n');
  });

  test('.kill() - sends SIGKILL at once; outcome terminated; the child is gone', T, async () => {
    const p = new Process({ target: () => sleepSync(60_000) }).start();
    await running(p);
    const outcome = await p.kill();
    assert.deepEqual(outcome, { status: 'terminated' });
    assert.equal(p.signalCode, 'SIGKILL');
    assert.equal(exists(p.pid!), false);
    assert.deepEqual(await p.kill(), { status: 'terminated' }, 'kill() is idempotent');
  });

  test('.terminate() - a child blocked in a native call is killed after the linger, never left behind', T, async () => {
    // execSync blocks the child's thread inside a native call that terminate() cannot interrupt.
    const p = new Process({ target: blockInNative, args: [newFlag(2), 10] }).start();
    await running(p);
    const started = Date.now();
    assert.deepEqual(await p.terminate(), { status: 'terminated' });
    const ms = Date.now() - started;
    assert.ok(ms < 5000, `terminate() took ${ms} ms`);
    assert.equal(exists(p.pid!), false);
  });

  /** Runs the SIGTERM fixture in `mode`, terminates its Process once the handler is installed, returns stdout. */
  async function terminateWithHandler(mode: 'async' | 'blocking'): Promise<string> {
    const program = runFixture('process-sigterm.ts', [mode]);
    await program.waitForLine('armed');
    program.child.stdin!.end('go\n');
    const exit = await program.exited();
    assert.equal(exit.code, 0, exit.stderr);
    return exit.stdout;
  }

  test(
    '.terminate() - a SIGTERM handler of the target that exits with code 0 still gives outcome terminated',
    { timeout: 30_000 },
    async () => {
      assert.match(await terminateWithHandler('async'), /^handler ran\noutcome terminated exitCode 0 signalCode null$/m);
    },
  );

  test(
    '.terminate() - a SIGTERM handler that never runs (the target blocks) is cut short by SIGKILL after the linger',
    { timeout: 30_000 },
    async () => {
      const stdout = await terminateWithHandler('blocking');
      assert.doesNotMatch(stdout, /handler ran/);
      assert.match(stdout, /^outcome terminated exitCode null signalCode SIGKILL$/m);
    },
  );

  test('.start() - refuses a SharedArrayBuffer argument: shared memory cannot cross processes', T, () => {
    const p = new Process({ target: (_a: unknown) => 1, args: [new SharedArrayBuffer(8)], name: 'Sharer' });
    assert.throws(
      () => p.start(),
      (error: unknown) => {
        assert.ok(error instanceof TaskError, show(error));
        assert.equal(
          error.message,
          'Cannot start Sharer: args[0] (a SharedArrayBuffer) cannot be sent to the process: shared memory cannot cross ' +
            'processes. Use a Thread to share it, or pass a copy (an ArrayBuffer or a typed array) to the Process.',
        );
        return true;
      },
    );
    assert.equal(p.ident, null, 'nothing was started');
  });

  test('killed from outside - ends failed with ThreadCrashedError naming the signal', T, async () => {
    const p = new Process({ target: () => sleepSync(60_000) }).start();
    await running(p);
    process.kill(p.pid!, 'SIGKILL');
    await p.join();
    assert.equal(p.outcome?.status, 'failed');
    const error = p.outcome?.status === 'failed' ? p.outcome.error : undefined;
    assert.ok(error instanceof ThreadCrashedError, show(error));
    assert.match(error.message, /SIGKILL/);
    assert.equal(reports.filter((r) => r.thread === p).length, 1, 'reported once through the excepthook');
  });

  test('nothing lost at exit - a 4 MB result and all stdout/stderr arrive before the Process ends', { timeout: 60_000 }, async () => {
    const program = runFixture('process-output.ts', ['20000']);
    const exit = await program.exited();
    assert.equal(exit.code, 0, exit.stderr);
    const lines = exit.stdout.split('\n').filter((line) => line.startsWith('line '));
    assert.equal(lines.length, 20000);
    assert.equal(lines[19999]?.split(' ')[1], '19999');
    assert.match(exit.stdout, /result 4194304 exitCode 0\n$/);
    assert.match(exit.stderr, /stderr line/);
  });

  test('daemon - a daemon Process dies with its parent, even when the parent is killed with SIGKILL', { timeout: 30_000 }, async () => {
    const program = runFixture('process-daemon-parent.ts');
    while (!program.lines().some((line) => line.startsWith('pid '))) {
      await new Promise((resolve) => program.child.stdout!.once('data', resolve));
    }
    const pid = Number(
      program
        .lines()
        .find((line) => line.startsWith('pid '))!
        .slice(4),
    );
    assert.ok(exists(pid), 'the daemon child runs');
    program.child.kill('SIGKILL');
    await program.exited();
    const ms = await gone(pid, 2000);
    assert.ok(ms <= 2000);
  });

  test('daemon - the children its target spawned die with it when the parent is killed with SIGKILL', { timeout: 30_000 }, async () => {
    const program = runFixture('process-daemon-parent.ts', ['grandchild']);
    const line = (prefix: string) => program.lines().find((l) => l.startsWith(prefix));
    while (line('pid ') === undefined || line('grandchild ') === undefined) {
      await new Promise((resolve) => program.child.stdout!.once('data', resolve));
    }
    const pid = Number(line('pid ')!.slice(4));
    const grandchild = Number(line('grandchild ')!.slice(11));
    assert.ok(exists(pid) && exists(grandchild), 'the daemon child and its own child run');
    program.child.kill('SIGKILL');
    await program.exited();
    await gone(pid, 2000);
    await gone(grandchild, 2000);
  });

  test('no grandchildren - a Process started inside a Thread dies when that Thread is terminated', T, async () => {
    const pidSlot = newFlag();
    const t = new Thread({
      target: { module: new URL('./fixtures/grandchild.ts', import.meta.url), name: 'spawnChild' },
      args: [pidSlot],
    }).start();
    const pid = await waitFlag(pidSlot);
    assert.ok(exists(pid), 'the grandchild runs');
    assert.deepEqual(await t.terminate(), { status: 'terminated' });
    await gone(pid, 2000);
  });
});
