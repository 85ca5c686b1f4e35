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
