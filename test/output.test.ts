// Program-level behaviour, run as child programs: live output, nothing lost, EPIPE, what keeps a program alive.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Program, fixture, killLeftoverChildren, runFixture } from './support/child.ts';
import { guardThreads, T } from './support/guard.ts';

guardThreads();
after(() => assert.equal(killLeftoverChildren(), 0, 'a child program was left running'));

describe('output', () => {
  test('output - each line a thread prints appears live, while the thread is still blocked, in order', T, async () => {
    const program = runFixture('output-live.ts');
    for (const n of [3, 2, 1]) {
      // The thread is blocked in Atomics.wait until we answer: the line can only come live.
      await program.waitForLine(`(written ${n})`, 10_000);
      program.child.stdin!.write('next\n');
    }
    await program.waitForLine('sleeping', 10_000);
    assert.equal(program.lines().includes('woken: false'), false);
    program.child.stdin!.write('cancel\n');
    const exit = await program.exited();
    assert.equal(exit.code, 0, exit.stderr);
    assert.deepEqual(exit.stdout.split('\n'), [
      'T-minus 3',
      '(written 3)',
      'T-minus 2',
      '(written 2)',
      'T-minus 1',
      '(written 1)',
      'sleeping',
      'woken: false',
      'main: joined',
      '',
    ]);
    assert.match(exit.stderr, /^to stderr$/m);
  });

  test('output - nothing written before terminate() is lost, and it comes before what follows', T, async () => {
    const count = 2000;
    const exit = await runFixture('output-terminate.ts', [String(count)]).exited();
    assert.equal(exit.code, 0, exit.stderr);
    const expected = [...Array.from({ length: count }, (_, i) => `line ${i}`), 'after terminate: terminated', ''];
    const lines = exit.stdout.split('\n');
    assert.equal(lines.length, expected.length, `got ${lines.length - 1} lines, expected ${expected.length - 1}`);
    assert.deepEqual(lines, expected);
    assert.match(exit.stderr, /^stderr before terminate$/m);
  });

  test('output - printing into a closed pipe (| head -1) does not crash the program with EPIPE', T, async () => {
    const script = `"$0" --import tsx "$1" | head -1; echo "node exit: \${PIPESTATUS[0]}" >&2`;
    const program = new Program('bash', ['-c', script, process.execPath, fixture('output-epipe.ts')]);
    const exit = await program.exited();
    assert.match(exit.stdout, /^line 0 x+\n$/);
    assert.doesNotMatch(exit.stderr, /EPIPE/);
    assert.match(exit.stderr, /^main continued: completed$/m, `the program did not go on:\n${exit.stderr}`);
    assert.match(exit.stderr, /^node exit: 0$/m, exit.stderr);
  });
});

describe('what keeps a program alive', () => {
  test('daemon - daemon threads (sleeping, spinning, with timers) do not hold the program open', T, async () => {
    const exit = await runFixture('exit-daemon.ts', ['daemon']).exited();
    assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}\n${exit.stderr}`);
    assert.equal(exit.stdout, 'main done\n');
    assert.ok(exit.ms < 10_000, `took ${exit.ms} ms`);
  });

  test('daemon - a non-daemon thread keeps the program alive until it is done, then it exits', T, async () => {
    const exit = await runFixture('exit-daemon.ts', ['non-daemon']).exited();
    assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}\n${exit.stderr}`);
    assert.equal(exit.stdout, 'main done\nthread done\n');
  });

  test('daemon - a pending join() keeps the program alive, also for a daemon thread', T, async () => {
    const exit = await runFixture('exit-daemon.ts', ['daemon-joined']).exited();
    assert.equal(exit.code, 0, `exit ${exit.code} ${exit.signal}\n${exit.stderr}`);
    assert.equal(exit.stdout, 'main done\njoined: completed\n');
  });
});
