// A task declared in the program's main module never silently re-runs the program in each thread:
// Thread, Process and a pool refuse it with a TaskError saying to move it into a module of its own
// (API.md §12). The fixture runs under tsx, as a user runs a TypeScript program.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFixture } from './support/child.ts';

test(
  "a task() declared in the program's main module is refused by Thread, Process and pools, and the program runs once",
  { timeout: 60_000 },
  async () => {
    const exit = await runFixture('main-task.ts').exited();
    assert.equal(exit.code, 0, exit.stderr);
    const lines = exit.stdout.trim().split('\n');
    assert.deepEqual(
      lines.filter((line) => line === 'top level ran'),
      ['top level ran'],
      `the program's top level ran more than once:\n${exit.stdout}`,
    );
    for (const kind of ['Thread', 'Process', 'pool']) {
      const line = lines.find((l) => l.startsWith(`${kind}: `));
      assert.match(
        line ?? '',
        /^\w+: TaskError: .*task\(\) function double, declared in the program's main module \(file:.*main-task\.ts\)/,
        exit.stdout,
      );
      assert.match(line!, /Move the task into a module of its own/);
    }
    assert.ok(lines.includes('in place: 4'), exit.stdout);
  },
);
