// Runs every example and the demo as a user would, so the README never lies.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisSuite } from './support/redis.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runTimeoutMs = 45_000;
const live = new Set<ChildProcess>();

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `file` (relative to the repository root) with node + tsx, as the test runner itself runs. */
async function run(file: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: runTimeoutMs,
    killSignal: 'SIGKILL',
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  live.delete(child);
  return { code, signal, stdout, stderr };
}

/** Asserts that the run exited 0 by itself. */
function assertExitedCleanly(r: Run): void {
  assert.equal(r.signal, null, `killed by ${r.signal} (did not exit within ${runTimeoutMs} ms?)\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.code, 0, `exit code ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

/** Asserts that each of `lines` occurs in `output`, in this order. */
function assertInOrder(output: string, lines: ReadonlyArray<string | RegExp>): void {
  let from = 0;
  for (const line of lines) {
    const rest = output.slice(from);
    const match =
      typeof line === 'string'
        ? { index: rest.indexOf(line), length: line.length }
        : (() => {
            const m = line.exec(rest);
            return { index: m?.index ?? -1, length: m?.[0].length ?? 0 };
          })();
    assert.ok(match.index >= 0, `expected ${String(line)} after position ${from} in:\n${output}`);
    from += match.index + match.length;
  }
}

/** The number printed in the first line matching `pattern` (its first capture group). */
function numberIn(output: string, pattern: RegExp): number {
  const m = pattern.exec(output);
  assert.ok(m?.[1], `expected ${String(pattern)} in:\n${output}`);
  return Number(m[1]);
}

afterEach(() => {
  const leftovers = [...live];
  for (const child of leftovers) child.kill('SIGKILL');
  live.clear();
  assert.equal(leftovers.length, 0, 'a child process was still running after its test');
});

describe('examples', () => {
  test('01-countdown - counts down in a thread; isAlive() then join()', async () => {
    const r = await run('examples/01-countdown.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      'created Thread-1: state=new, isAlive()=false',
      'started Thread-1: isAlive()=true',
      'Still running',
      'join(100) -> false',
    ]);
    assertInOrder(r.stdout, ['T-minus 3', 'T-minus 2', 'T-minus 1', 'Completed', 'outcome: {"status":"completed"']);
  });

  test('02-daemon - the program exits while the daemon thread still runs', async () => {
    const r = await run('examples/02-daemon.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      'main: working',
      'main: done; heartbeat.isAlive()=true, daemon=true',
      'the process exits with the daemon thread still running',
    ]);
    assertInOrder(r.stdout, ['heartbeat 1', 'main: done']);
  });

  test('03-cancel - cancel() stops the sleeping countdown well within its sleep period', async () => {
    const r = await run('examples/03-cancel.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, ['T-minus 10', 'join(500) -> false', 'cancel()', 'stopped in', 'outcome: completed']);
    assert.doesNotMatch(r.stdout, /T-minus 9/);
    assert.ok(numberIn(r.stdout, /stopped in ([\d.]+) ms/) < 1000, 'a cancelled 2 s sleep ends in < 1 s');
  });

  test('04-io-cancel - a thread blocked on a socket is cancelled; stop() and terminate() end busy loops', async () => {
    const r = await run('examples/04-io-cancel.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      'waits for data that never comes',
      "cancel() -> reader ended 'cancelled'",
      "stop({ graceMs: 1000 }) on a loop calling checkpoint() -> 'cancelled'",
      "stop({ graceMs: 200 }) on for (;;) {} -> 'terminated'",
      "terminate() on for (;;) {} -> 'terminated'",
    ]);
    assert.ok(numberIn(r.stdout, /reader ended 'cancelled' in ([\d.]+) ms/) < 1000, 'the blocked read ends in < 1 s');
    assert.ok(numberIn(r.stdout, /checkpoint\(\) -> 'cancelled' in ([\d.]+) ms/) < 1000, 'within the grace period');
    assert.ok(numberIn(r.stdout, /graceMs: 200 \}\) on for \(;;\) \{\} -> 'terminated' in ([\d.]+) ms/) >= 200, 'after the grace period');
  });

  test('05-parallel - threads give the same answer as the serial run', async () => {
    const r = await run('examples/05-parallel.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, ['serial on the main thread: 283146 primes', 'threads: 283146 primes', 'same answer: true', 'speedup: x']);
  });

  test('06-subclass - run() of a Thread subclass runs in the thread with its fields and methods', async () => {
    const r = await run('examples/06-subclass.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, ['T-minus 3', 'T-minus 2', 'T-minus 1', 'result: countdown-from-3 stopped at n = 0']);
    assertInOrder(r.stdout, ['countdown-from-3 started; isAlive()=true', 'n on the main side is still 3']);
  });

  test('07-process - the same task runs inline, then in a Process stopped early', async () => {
    const r = await run('examples/07-process.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      'inline:',
      'T-minus 2',
      'T-minus 1',
      'in a child process: countdown-process started, pid',
      'T-minus 10',
      'join(500) -> false',
      "stop() -> 'completed'",
      'isAlive()=false',
    ]);
    assert.doesNotMatch(r.stdout, /T-minus 9/);
    assert.ok(
      numberIn(r.stdout, /stop\(\) -> 'completed' in ([\d.]+) ms/) < 1000,
      'the child was woken, not terminated after the grace period',
    );
  });

  test('08-errors - errors come back rebuilt; excepthook reports each failed thread', async () => {
    const r = await run('examples/08-errors.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stderr, ['Exception in thread loader:', 'RangeError: config could not be loaded']);
    assertInOrder(r.stdout, [
      "loader ended 'failed'",
      'instanceof RangeError=true, code=E_CONFIG',
      'message: config could not be loaded',
      "cause: ENOENT: no such file 'settings.json'",
      'stack, from the thread:',
      '[excepthook] scaler failed:',
      "scaler ended 'failed'",
    ]);
    assert.match(r.stdout, /\[excepthook\] scaler failed: .*factor/, 'the error names the outside variable');
    assert.doesNotMatch(r.stderr, /Exception in thread scaler/, 'the replaced hook, not the default, reports it');
  });

  test('09-pool - a cancelled countdown gives its worker to the next task at once; the other goes on', async () => {
    const r = await run('examples/09-pool.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      'A and B run on the two workers; C waits',
      '"queued":1',
      'cancel() A: it wakes from its sleep, and its worker takes C next',
      'C: T-minus 3',
    ]);
    assertInOrder(r.stdout, ['B: T-minus 4', 'B: T-minus 1']);
    assert.match(r.stdout, /A stopped at T-minus [1-9] on launch_\d \(ident \d+\), outcome completed/);
    assert.match(r.stdout, /same worker as A: true; live workers: 2, terminated tasks: 0/);
    assert.ok(numberIn(r.stdout, /C began ([\d.]+) ms after cancel\(\)/) < 1000, 'the next task starts well within a sleep period');
    assert.doesNotMatch(r.stdout, /A: T-minus 1\n/);
  });
});

describe('examples - observability', () => {
  test('16-timeline - records the pool scenario: a Trace Event file and an SVG with a bar per task and a cancel mark', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'threadkit-timeline-'));
    try {
      const r = await run('examples/16-timeline.ts', [dir]);
      assertExitedCleanly(r);
      assert.match(r.stdout, /recorded 4 tasks: (?=.*A on launch_\d)(?=.*B on launch_\d)(?=.*C on launch_\d)(?=.*D on launch_\d)/);
      assert.match(r.stdout, /cancels: 1/);
      const trace = JSON.parse(await readFile(join(dir, 'threadkit-trace.json'), 'utf8')) as {
        traceEvents: { ph: string; cat?: string; args?: { phase?: string } }[];
      };
      const slices = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'pool-task');
      assert.equal(slices.filter((e) => e.args?.phase !== 'submit').length, 4, 'a slice per task');
      assert.equal(slices.filter((e) => e.args?.phase === 'submit').length, 4, 'a submit slice per task');
      const svg = await readFile(join(dir, 'threadkit-timeline.svg'), 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.equal(svg.match(/<rect class="bar"/g)?.length, 4);
      assert.equal(svg.match(/<path class="cancel"/g)?.length, 1);
      assert.match(svg, /<\/svg>$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('17-opentelemetry - one span per run, parented by the submitting span, the cancel as a span event', async () => {
    const r = await run('examples/17-opentelemetry.ts');
    assertExitedCleanly(r);
    // The spans print in the order they ended: fib(20) and the slow loop run at once, so either may end first.
    for (const concurrent of [
      'span "fib(20)" parent="handle request" status=completed',
      'span "slow loop" parent="handle request" status=cancelled events=cancel(deadline passed)',
    ]) {
      assert.ok(r.stdout.includes(concurrent), `expected ${concurrent} in:\n${r.stdout}`);
      assertInOrder(r.stdout, [concurrent, 'span "report" parent="handle request" status=completed']);
    }
    assertInOrder(r.stdout, [
      'span "report" parent="handle request" status=completed',
      'span "handle request" parent="" status=-',
      '4 spans, one trace: true',
    ]);
  });
});

describe('examples - bundling', () => {
  test('13-bundled - an esbuild bundle with threadkit inlined runs a Thread, a Process and a pool from another directory', async () => {
    const r = await run('examples/13-bundled.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      'esbuild wrote one file',
      'running it with plain node from',
      '[bundle] sleeper: woke early: true, cancelled() = true',
      '[bundle] a Process ran in pid',
      '[bundle] squares from a pool of two threads: 1, 4, 9, 16',
      'the bundle exited 0 by itself',
    ]);
    assert.doesNotMatch(r.stdout, /ran in pid (\d+) \(not \1:/, 'the Process ran in this process');
  });
});

describe('examples - shared objects', () => {
  test('10-event - the main thread waits on an Event the thread sets once it has started', async () => {
    const r = await run('examples/10-event.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, ['Launching countdown', 'countdown is running', 'started.isSet() = true']);
    assertInOrder(r.stdout, ['countdown starting', 'T-minus 3', 'T-minus 2', 'T-minus 1', 'outcome: completed']);
  });

  test('11-queue - producer and consumer through a bounded Queue; a blocked getSync() is cancelled', async () => {
    const r = await run('examples/11-queue.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, ['consumer: got 1', 'consumer: got 4', 'consumer: got 9', 'consumer: got 16', 'consumer: got 25']);
    assertInOrder(r.stdout, [
      'stopped by the sentinel: consumer total = 55',
      "idle-consumer ended 'cancelled'",
      'the queue still works: size 1, get() -> 7',
    ]);
    assert.doesNotMatch(r.stdout, /queue size [3-9]/, 'the bounded queue held more than maxSize items');
    assert.ok(numberIn(r.stdout, /ended 'cancelled' in ([\d.]+) ms/) < 1000, 'the blocked getSync() ends in < 1 s');
  });

  test('12-lock - with a Lock, four threads counting into shared memory get the exact total', async () => {
    const r = await run('examples/12-lock.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, ['without a lock: ', 'with a Lock: 800000 of 800000 (exact: true)']);
  });

  test('14-scope-search - firstSucceeds: the first thread to find the answer wins, the spinning and blocked ones are stopped at once', async () => {
    const r = await run('examples/14-scope-search.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      'winner: middle range found n = 2500000000',
      'low range (Thread-1): cancelled',
      'middle range (Thread-2): completed',
      'remote lookup (Thread-3): cancelled',
      'high range (Thread-4): cancelled',
      'the other three were stopped',
      'threads still alive: 0',
    ]);
    assert.ok(numberIn(r.stdout, /stopped ([\d.]+) ms after the answer/) < 1000, 'the losers end within 1 s of the answer');
  });

  test('15-scope-deadline - a deadline ends the cooperative thread cancelled and the stubborn pool task terminated', async () => {
    const r = await run('examples/15-scope-deadline.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      'join() threw TimeoutError',
      'cooperative thread: cancelled',
      'stubborn pool task: terminated',
      'the scope ended after',
      'threads still alive: 0; pool workers terminated: 1',
    ]);
  });
});

describe('examples - distributed', () => {
  test('18-distributed - two hosts: map, a cancel by id from another process, a deadline, a host killed', redisSuite(), async () => {
    const r = await run('examples/18-distributed.ts');
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      /Redis at redis:\/\/\S+, queue demo-\d+/,
      /map: 1²=1 on (alpha|beta), 2²=4 on (alpha|beta), 3²=9 on (alpha|beta), 4²=16 on (alpha|beta)/,
      /launch on (alpha|beta): T-minus 10/,
      /launch is job \S+; a second process cancels it by id/,
      /\[other process\] future\(\S+\)\.cancel\('launch aborted'\) at/,
      /launch stopped at T-minus [1-9] on (alpha|beta)/,
      'deadline: runaway ended with TerminatedError',
      /killed (alpha|beta): doomed failed after \d+ ms with ThreadCrashedError: .*(alpha|beta)/,
      /the other host goes on: 5²=25 on (alpha|beta)/,
      'client shut down, hosts and Redis stopped',
    ]);
    assert.match(r.stdout, /\[other process\] job \S+ ended completed, as the submitter sees it/);
    const victim = /killed (alpha|beta):/.exec(r.stdout)![1];
    assert.doesNotMatch(r.stdout, new RegExp(`the other host goes on: .* on ${victim}`));
    assert.ok(
      numberIn(r.stdout, /, ([\d.]+) ms after the other process's cancel\(\)/) < 250,
      'the 1000 ms sleep was woken, not waited out',
    );
    assert.ok(numberIn(r.stdout, /doomed failed after (\d+) ms/) < 1000 + 200 + 3000, 'hostTimeoutMs + checkIntervalMs, generously');
  });

  test('18-distributed - without Redis, one line says how to see it, and the demo skips it with that line', async () => {
    const env = { ...process.env, PATH: '/nonexistent', REDIS_URL: '' };
    const r = await run('examples/18-distributed.ts', [], env);
    assertExitedCleanly(r);
    assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
    assert.match(r.stdout, /needs Redis: install redis-server .* or set REDIS_URL/);
    const demo = await run('examples/demo.ts', ['18'], env);
    assertExitedCleanly(demo);
    assertInOrder(demo.stdout, [
      '(examples/18-distributed.ts): skipped. The distributed example needs Redis',
      'No example ran (1 skipped, see above).',
    ]);
  });
});

describe('demo', () => {
  test('demo - runs the chosen examples in order under headings and exits 0', async () => {
    const r = await run('examples/demo.ts', ['02', '08']);
    assertExitedCleanly(r);
    assertInOrder(r.stdout, [
      '=== A daemon thread does not hold the program open (examples/02-daemon.ts)',
      'main: done',
      '--- 02-daemon.ts exited 0 by itself',
      '=== Errors from a thread, and Thread.excepthook (examples/08-errors.ts)',
      "loader ended 'failed'",
      '--- 08-errors.ts exited 0 by itself',
      'All 2 examples ran and exited by themselves.',
    ]);
  });

  test('demo - exits 1 when no example matches', async () => {
    const r = await run('examples/demo.ts', ['99']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No example matches 99/);
  });
});
