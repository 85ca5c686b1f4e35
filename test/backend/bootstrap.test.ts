// Bootstrap: a TypeScript task module runs in a thread or child started at any depth, inside a Process or a pool worker too.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Process, ProcessPoolExecutor, ThreadPoolExecutor } from 'threadkit';
import { doubleVia } from '../fixtures/nested-tasks.ts';
import { guardPools, T, tracked } from '../support/guard.ts';

describe("bootstrap - the program's TypeScript loader reaches nested threads and children", () => {
  guardPools();

  test('Process - its .ts task starts a Thread of a .ts task and returns its result', T, async () => {
    const p = new Process({ target: doubleVia, args: [21, ['thread']] }).start();
    assert.equal(await p.result(), 42);
  });

  for (const Pool of [ProcessPoolExecutor, ThreadPoolExecutor]) {
    test(`${Pool.name} - a .ts task starts a Thread, a Thread in it, and a Process with a Thread in it`, T, async () => {
      await using pool = tracked(new Pool({ maxWorkers: 1 }));
      assert.equal(await pool.submit(doubleVia, 5, ['thread', 'thread']).result(), 10);
      assert.equal(await pool.submit(doubleVia, 6, ['process', 'thread']).result(), 12);
    });
  }
});
