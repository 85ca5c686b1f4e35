// Exit semantics of pools: an idle pool does not hold the program; no child outlives its parent; nothing leaks; stopAll() stops pools.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ProcessPoolExecutor, ThreadPoolExecutor, stopAll } from 'threadkit';
import { runFixture } from '../support/child.ts';
import { withExcepthook } from '../support/excepthook.ts';
import { newFlag, waitFlag } from '../support/flag.ts';
import { guardPools, T, tracked } from '../support/guard.ts';
import { sleeper } from '../support/pool-targets.ts';
import { signalThenSpin } from '../support/targets.ts';

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (exists(pid)) {
    if (Date.now() - started > timeoutMs) throw new Error(`pid ${pid} still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Active handles and requests by type. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

describe('executors - exit semantics and cleanup', () => {
  guardPools();

  for (const kind of ['thread', 'process'] as const) {
    test(`exit - a program with a warm ${kind} pool that never calls shutdown() exits once its work is done`, T, async () => {
      const result = await runFixture('pool-forgotten.ts', [kind]).exited();
      assert.equal(result.signal, null, result.stderr);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.trim().split('\n'), ['slept', 'DONE']);
    });
  }

  test('parent death - the children of a process pool die with their parent, even on SIGKILL', T, async () => {
    const program = runFixture('pool-parent.ts');
    while (!program.lines().some((line) => line.startsWith('pids '))) {
      await new Promise((resolve) => program.child.stdout!.once('data', resolve));
    }
    const pids = program
      .lines()
      .find((line) => line.startsWith('pids '))!
      .slice(5)
      .split(' ')
      .map(Number);
    assert.ok(pids.length >= 1 && pids.every(exists), `the workers run: ${pids.join(', ')}`);
    program.child.kill('SIGKILL');
    await program.exited();
    for (const pid of pids) await gone(pid, 3000);
  });

  test('shutdown() - no child process is left behind, also after a crash and a stop()', T, async () => {
    const pool = tracked(new ProcessPoolExecutor({ maxWorkers: 2 }));
    const pids = new Set(await Promise.all([0, 1, 2, 3].map(() => pool.submit(() => process.pid))));
    const crashed = pool.submit(() => process.kill(process.pid, 'SIGKILL'));
    await assert.rejects(crashed.result(), /signal SIGKILL/);
    const stubborn = pool.submit(() => {
      for (;;);
    });
    while (stubborn.state === 'pending') await new Promise((resolve) => setTimeout(resolve, 1));
    await pool.stop({ graceMs: 50 });
    assert.deepEqual(stubborn.outcome, { status: 'terminated' });
    for (const pid of pids) await gone(pid, 3000);
  });

  test('idle death - a worker that dies while idle is replaced silently; the next task runs', T, async () => {
    const reports: unknown[] = [];
    const pool = tracked(new ProcessPoolExecutor({ maxWorkers: 1, minWorkers: 1 }));
    await withExcepthook(
      (info) => reports.push(info),
      async () => {
        const pid = await pool.submit(() => process.pid);
        process.kill(pid, 'SIGKILL');
        await gone(pid, 3000);
        const next = await pool.submit(() => process.pid);
        assert.notEqual(next, pid);
      },
    );
    assert.deepEqual(reports, [], 'nothing is reported');
    assert.equal(pool.stats.failed, 0);
    await pool.shutdown();
  });

  test('idleTimeoutMs - an idle worker above minWorkers ends after it; minWorkers stay', T, async () => {
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 3, minWorkers: 1, idleTimeoutMs: 50 }));
    const flags = [newFlag(), newFlag(), newFlag()];
    const tasks = flags.map((flag) => pool.submit(sleeper, flag, 10_000));
    for (const flag of flags) await waitFlag(flag);
    assert.equal(pool.stats.workers, 3);
    for (const task of tasks) task.cancel();
    await Promise.all(tasks);
    const deadline = Date.now() + 5000;
    while (pool.stats.workers > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(pool.stats.workers, 1, 'the workers above minWorkers ended');
    await pool.shutdown();
  });

  test('leaks - a pool that was shut down leaves no handle, timer or listener behind', T, async () => {
    const before = resources();
    const listeners = process.listenerCount('exit');
    for (const Pool of [ThreadPoolExecutor, ProcessPoolExecutor]) {
      const pool = tracked(new Pool({ maxWorkers: 2, minWorkers: 1 }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => pool.submit((x: number) => x, i)));
      const flag = newFlag();
      const cancelled = pool.submit(sleeper, flag, 10_000);
      while (cancelled.state === 'pending') await new Promise((resolve) => setTimeout(resolve, 1));
      await cancelled.stop({ graceMs: 1000 });
      await pool.shutdown();
    }
    for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
    const after = resources();
    const added = Object.entries(after).filter(([type, n]) => n > (before[type] ?? 0));
    assert.deepEqual(added, [], `before: ${JSON.stringify(before)}, after: ${JSON.stringify(after)}`);
    assert.ok(process.listenerCount('exit') <= listeners + 1, 'at most the one exit hook that kills children');
  });

  test('stopAll() - stops pools too: queued tasks cancelled, a stubborn running one terminated', T, async () => {
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 1 }));
    const flag = newFlag();
    const stubborn = pool.submit(signalThenSpin, flag);
    const queued = pool.submit((x: number) => x, 1);
    await waitFlag(flag);
    await stopAll({ graceMs: 50 });
    assert.deepEqual(stubborn.outcome, { status: 'terminated' });
    assert.equal(queued.outcome?.status, 'cancelled');
    assert.equal(pool.stats.workers, 0);
  });
});
