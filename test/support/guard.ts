// Hang-proofing shared by every test file: per-test timeout and an afterEach that fails on live threads.

import assert from 'node:assert/strict';
import { afterEach } from 'node:test';
import { activeCount, enumerate } from 'threadkit';

/**
 * Options for every test: a generous per-test timeout so nothing hangs the suite. It guards against
 * hangs and is no time budget: `npm run coverage`, whose instrumentation slows every thread's start,
 * multiplies it by THREADKIT_TEST_TIMEOUT_SCALE.
 */
export const T = { timeout: 20_000 * (Number(process.env.THREADKIT_TEST_TIMEOUT_SCALE) || 1) } as const;

/**
 * Registers an afterEach (in the enclosing describe, or the file) that terminates any thread a
 * test left alive, then fails that test, so one failure does not cascade into the next tests.
 */
export function guardThreads(): void {
  afterEach(async () => {
    const leftovers = enumerate();
    if (leftovers.length === 0 && activeCount() === 0) return;
    const names = leftovers.map((t) => `${t.name} (${t.state})`).join(', ');
    await Promise.all(leftovers.map((t) => t.terminate()));
    assert.fail(`activeCount() was ${leftovers.length} after the test, expected 0; terminated leftovers: ${names}`);
  });
}

/** A pool of either backend, as the guard sees it. */
interface GuardedPool {
  readonly name: string;
  readonly stats: { readonly workers: number; readonly queued: number };
  stop(options?: { graceMs?: number }): Promise<void>;
}

const pools = new Set<GuardedPool>();

/** Registers `pool` with guardPools(): it must have no live worker and no queued task after its test. */
export function tracked<P extends GuardedPool>(pool: P): P {
  pools.add(pool);
  return pool;
}

/**
 * Registers an afterEach that fails a test which left a tracked pool with live workers or queued
 * tasks (after stopping it, so one failure does not cascade), and checks threads as guardThreads().
 */
export function guardPools(): void {
  guardThreads();
  afterEach(async () => {
    const leftovers = [...pools].filter((pool) => pool.stats.workers > 0 || pool.stats.queued > 0);
    const names = leftovers.map((pool) => `${pool.name} (${pool.stats.workers} workers, ${pool.stats.queued} queued)`).join(', ');
    pools.clear();
    await Promise.all(leftovers.map((pool) => pool.stop({ graceMs: 0 })));
    assert.equal(leftovers.length, 0, `pools left with live workers after the test, now stopped: ${names}`);
  });
}
