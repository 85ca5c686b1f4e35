// The executor contract (API.md §7), written once and run against every backend (ThreadPoolExecutor, ProcessPoolExecutor).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CancelledError,
  Event,
  ExecutorShutDownError,
  Future,
  ProcessPoolExecutor,
  TaskError,
  TerminatedError,
  ThreadCrashedError,
  ThreadPoolExecutor,
  ThreadStateError,
  TimeoutError,
  asCompleted,
  currentThread,
  sleepSync,
  wait,
  type ExceptHookInfo,
} from 'threadkit';
import { add as addTs, parse as parseTs, type ParseError } from '../fixtures/tasks.ts';
import {
  add,
  awaitSignal,
  asyncSleeper,
  failingSetUp,
  greet,
  napThenCheck,
  parse,
  probe,
  setUp,
  setUpFrom,
  sleeper,
} from '../support/pool-targets.ts';
import { withExcepthook } from '../support/excepthook.ts';
import { newFlag, show, waitFlag } from '../support/flag.ts';
import { guardPools, T, tracked } from '../support/guard.ts';
import { signalThenSleepForever, signalThenSpin, stubborn } from '../support/targets.ts';
import { LONG_WAITS, elapse, noTimeoutOverflow, watch } from '../support/long-waits.ts';

type Pool = ThreadPoolExecutor | ProcessPoolExecutor;

/** A backend of the executor contract. */
export interface PoolBackend {
  readonly name: 'ThreadPoolExecutor' | 'ProcessPoolExecutor';
  readonly Ctor: typeof ThreadPoolExecutor | typeof ProcessPoolExecutor;
}

/** Registers the executor contract's tests for `backend`. */
export function executorContract(backend: PoolBackend): void {
  const { name: kind, Ctor } = backend;
  /** Threads share memory with the test; a child process gets a copy of a SharedArrayBuffer. */
  const sharesMemory = kind === 'ThreadPoolExecutor';
  const pool = (options: ConstructorParameters<typeof Ctor>[0] = {}): Pool => tracked(new Ctor(options));

  /** Resolves once the future's target runs: at the flag it sets (threads), or when the pool says so (processes). */
  async function running(future: Future<unknown>, flag: Int32Array): Promise<void> {
    if (sharesMemory) {
      await Promise.race([
        waitFlag(flag),
        Promise.resolve(
          future.then(
            (v) => Promise.reject(new Error(`${future.name} ended first: ${show(v)}`)),
            (e) => Promise.reject(new Error(`${future.name} ended first: ${show(e)}`)),
          ),
        ),
      ]);
      return;
    }
    // A child's flag is a copy: wait until the pool says the target has begun (state 'running').
    const deadline = Date.now() + 10_000;
    while (future.state === 'pending') {
      if (Date.now() > deadline) throw new Error(`${future.name} still pending after 10 s`);
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(future.state, 'running', `${future.name}: ${show(future.outcome)}`);
  }

  describe(`${kind} - executor contract`, () => {
    guardPools();

    describe('construction', () => {
      test('constructor - refuses options that are not what they should be, with "Expected ..., got ..."', T, () => {
        const bad: Array<[string, object, ErrorConstructor]> = [
          ['maxWorkers', { maxWorkers: 0 }, RangeError],
          ['maxWorkers', { maxWorkers: 1.5 }, RangeError],
          ['minWorkers', { minWorkers: -1 }, RangeError],
          ['minWorkers', { maxWorkers: 1, minWorkers: 2 }, RangeError],
          ['idleTimeoutMs', { idleTimeoutMs: -1 }, RangeError],
          ['maxTasksPerWorker', { maxTasksPerWorker: 0 }, RangeError],
          ['maxQueued', { maxQueued: -1 }, RangeError],
          ['graceMs', { graceMs: -1 }, RangeError],
          ['idleTimeoutMs', { idleTimeoutMs: Number.NaN }, RangeError],
          ['name', { name: 42 }, TypeError],
          ['initArgs', { initializer: setUp, initArgs: 'x' }, TypeError],
          ['resourceLimits', { resourceLimits: 'big' }, TypeError],
          ['nonsense', { nonsense: true }, TypeError],
        ];
        for (const [option, options, Err] of bad) {
          assert.throws(
            () => new Ctor(options),
            (error: unknown) => {
              assert.ok(error instanceof Err, `${option}: expected ${Err.name}, got ${show(error)}`);
              assert.match(error.message, new RegExp(option));
              return true;
            },
          );
        }
      });

      test('.name - defaults to <Kind>-N; workers are <name>_<i> and currentThread() in a task says so', T, async () => {
        const a = pool({ maxWorkers: 1 });
        const b = pool({ maxWorkers: 1, name: 'resizer' });
        const n = Number(new RegExp(`^${kind}-(\\d+)$`).exec(a.name)?.[1]);
        assert.ok(n >= 1, a.name);
        assert.equal(b.name, 'resizer');
        const info = await b.submit(probe, { n: 1 });
        assert.equal(info.name, 'resizer_0');
        assert.equal(typeof info.ident, 'number');
        await Promise.all([a.shutdown(), b.shutdown()]);
      });

      test('constructor - minWorkers starts a warm pool at once; stats counts the starting workers', T, async () => {
        const p = pool({ maxWorkers: 3, minWorkers: 2 });
        assert.equal(p.stats.workers, 2);
        assert.deepEqual(await p.submit(add, 1, 2), 3);
        await p.shutdown();
        assert.deepEqual(p.stats, { workers: 0, idle: 0, busy: 0, queued: 0, completed: 1, failed: 0, cancelled: 0, terminated: 0 });
      });
    });

    describe('submit, run, futures', () => {
      test('.submit() - runs every target form and resolves with the value; await and result() agree', T, async () => {
        const p = pool({ maxWorkers: 2 });
        const plain = p.submit((a: number, b: number) => a * b, 6, 7);
        const typescript = p.submit(addTs, 2, 3);
        const moduleRef = p.submit({ module: new URL('../fixtures/tasks.ts', import.meta.url), name: 'shout' }, 'hi');
        assert.equal(await plain, 42);
        assert.equal(await plain.result(), 42);
        assert.equal(await typescript, 5);
        assert.equal(await moduleRef, 'HI!');
        assert.deepEqual(plain.outcome, { status: 'completed', value: 42 });
        assert.equal(plain.state, 'ended');
        assert.ok(plain.done() && !plain.running() && !plain.cancelled());
        await p.shutdown();
      });

      test('.state - pending while queued, running while its target runs, ended after', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const flag = newFlag();
        const first = p.submit(sleeper, flag, 10_000);
        const second = p.submit(probe, { n: 2 });
        assert.equal(second.state, 'pending');
        assert.equal(second.running(), false);
        await running(first, flag);
        assert.equal(first.state, 'running');
        assert.equal(first.running(), true);
        first.cancel();
        assert.equal(first.state, 'cancelling');
        assert.equal((await first).cancelled, true);
        assert.equal(first.state, 'ended');
        assert.equal((await second).n, 2);
        await p.shutdown();
      });

      test('.result() - rejects with the task error rebuilt (class, code, stack); TimeoutError when the time passes first', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const bad = p.submit(parse, 'forty-two');
        await assert.rejects(bad.result(), (error: unknown) => {
          assert.ok(error instanceof RangeError);
          assert.match(error.message, /not a number: forty-two/);
          assert.equal((error as { code?: string }).code, 'E_PARSE');
          assert.match(String(error.stack), /parse/);
          return true;
        });
        await assert.rejects(p.submit(parseTs, 'x').result(), (error: unknown) => {
          assert.equal((error as Error).name, 'ParseError', 'a custom class from a task module keeps its name');
          assert.equal((error as ParseError).line, 7);
          return true;
        });
        await assert.rejects(Promise.resolve(bad), /not a number/);
        assert.equal(bad.outcome?.status, 'failed');
        const flag = newFlag();
        const slow = p.submit(sleeper, flag, 10_000);
        await assert.rejects(slow.result(50), TimeoutError);
        assert.equal(slow.done(), false, 'the task goes on after a result() timeout');
        await assert.rejects(slow.result(-1), RangeError);
        slow.cancel();
        // Ended either way: 'completed' when it had begun (sleepSync returns false), 'cancelled' when it had not yet.
        await Promise.allSettled([slow]);
        assert.ok(slow.outcome?.status === 'completed' || slow.outcome?.status === 'cancelled', show(slow.outcome));
        await p.shutdown();
      });

      test('.submit() - refuses what cannot be sent with a TaskError naming the argument; a pool cannot be sent', T, async () => {
        const p = pool({ maxWorkers: 1 });
        assert.throws(
          () =>
            p.submit(
              (f: unknown) => f,
              () => 1,
            ),
          (error: unknown) => {
            assert.ok(error instanceof TaskError, show(error));
            assert.match(error.message, /args\[0\]/);
            return true;
          },
        );
        assert.throws(
          () => p.submit((x: unknown) => x, p),
          (error: unknown) => {
            assert.ok(error instanceof TaskError, show(error));
            assert.match(error.message, /args\[0\].*cannot be sent to a worker.*create a pool inside the task/s);
            return true;
          },
        );
        assert.throws(() => p.submit((x: unknown) => x, { pool: p }), TaskError);
        const untyped = p.submit.bind(p) as (target: unknown) => unknown;
        assert.throws(() => untyped(Math.max), TaskError);
        assert.throws(() => untyped(42), TypeError);
        assert.equal(p.stats.workers, 0, 'nothing was started');
        await p.shutdown();
      });

      test(
        '.submit() - copies the args when it accepts them, on a cold pool as on a warm one: later changes are not seen and fail nothing',
        T,
        async () => {
          const p = pool({ maxWorkers: 1 });
          const echo = (...args: unknown[]) => args;
          for (const warmth of ['cold', 'warm']) {
            const small: Record<string, unknown> = { n: 1 };
            const deep: Record<string, unknown> = { a: { b: { c: [1] } } };
            const map = new Map([['k', 1]]);
            const list = [1, 2];
            const f = p.run(echo, [small, deep, map, list]);
            const g = p.submit(add, 1, 2); // posted in the same batch as f
            small.n = 2;
            small.cb = () => 1; // cannot be sent: it must not reach the dispatch
            (deep.a as { b: { c: number[] } }).b.c.push(2);
            deep.fn = () => 2;
            map.set('k', 2);
            list.push(3);
            assert.deepEqual(await f, [{ n: 1 }, { a: { b: { c: [1] } } }, new Map([['k', 1]]), [1, 2]], warmth);
            assert.equal(await g, 3, warmth);
          }
          await p.shutdown();
        },
      );

      test(
        '.submit() - shared objects in a Map, a Set or a class-instance field are shared; a pool or a Future anywhere is refused naming the path',
        T,
        async () => {
          class Holder {
            constructor(readonly event: Event) {}
          }
          const p = pool({ maxWorkers: 1 });
          const [inMap, inSet, inField] = [new Event(), new Event(), new Event()];
          const setEach = (map: Map<string, { set(): void }>, set: Set<{ set(): void }>, holder: { event: { set(): void } }) => {
            map.get('e')!.set();
            for (const each of set) each.set();
            holder.event.set();
            return 'ok';
          };
          assert.equal(await p.submit(setEach, new Map([['e', inMap]]), new Set([inSet]), new Holder(inField)), 'ok');
          for (const [name, event] of Object.entries({ inMap, inSet, inField })) assert.equal(event.isSet(), true, name);
          const future = p.submit(add, 1, 1);
          for (const [args, path] of [
            [[1, { a: { b: p } }], /args\[1\]\.a\.b is a \w+PoolExecutor/],
            [[new Map([['k', p]])], /args\[0\]\.get\("k"\) is a \w+PoolExecutor/],
            [[new Set([future])], /args\[0\] \(a Set member\) is a Future/],
            [[{ list: [[future]] }], /args\[0\]\.list\[0\]\[0\] is a Future/],
          ] as const) {
            assert.throws(
              () => p.run((..._a: unknown[]) => 0, [...args]),
              (error: unknown) => {
                assert.ok(error instanceof TaskError, show(error));
                assert.match(error.message, path);
                return true;
              },
            );
          }
          assert.equal(await future, 2);
          assert.equal(p.stats.completed, 2, 'nothing refused was queued');
          await p.shutdown();
        },
      );

      test('.result() - an AggregateError comes back as one, its errors rebuilt (class, name, code, cause, stack)', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const f = p.submit(() => {
          const first = Object.assign(new TypeError('bad a'), { code: 'E_A' });
          throw new AggregateError([first, new RangeError('bad b', { cause: new Error('root') })], 'many failed');
        });
        await assert.rejects(f.result(), (error: unknown) => {
          assert.ok(error instanceof AggregateError, show(error));
          assert.equal(error.message, 'many failed');
          const [first, second] = error.errors as [Error & { code?: string }, Error];
          assert.ok(first instanceof TypeError, show(first));
          assert.equal(first.code, 'E_A');
          assert.match(String(first.stack), /bad a/);
          assert.ok(second instanceof RangeError, show(second));
          assert.equal((second.cause as Error).message, 'root');
          return true;
        });
        await p.shutdown();
      });

      test('.submit() - maxQueued: above it submit throws RangeError and nothing is queued', T, async () => {
        const p = pool({ maxWorkers: 1, maxQueued: 1 });
        const flag = newFlag();
        const first = p.submit(sleeper, flag, 10_000);
        await running(first, flag);
        const queued = p.submit(add, 1, 1);
        assert.throws(() => p.submit(add, 2, 2), RangeError);
        assert.equal(p.stats.queued, 1);
        first.cancel();
        assert.equal(await queued, 2);
        await p.shutdown();
      });
    });

    describe('cancel and stop', () => {
      test('.cancel() - a queued task ends cancelled at once (done() on the next line), never runs, and frees its place', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const flag = newFlag();
        const ran = newFlag();
        const busy = p.submit(sleeper, flag, 10_000);
        await running(busy, flag);
        const queued = p.submit((f: Int32Array) => Atomics.store(f, 0, 1), ran);
        assert.equal(p.stats.queued, 1);
        queued.cancel('not needed');
        assert.equal(queued.done(), true);
        assert.equal(queued.cancelled(), true);
        assert.deepEqual(queued.outcome, { status: 'cancelled', reason: 'not needed' });
        assert.equal(p.stats.queued, 0);
        await assert.rejects(queued.result(), (error: unknown) => error instanceof CancelledError && error.reason === 'not needed');
        const next = p.submit(add, 20, 22);
        busy.cancel();
        assert.equal(await next, 42);
        if (sharesMemory) assert.equal(Atomics.load(ran, 0), 0, 'the cancelled task never ran');
        assert.equal(p.stats.cancelled, 1);
        await p.shutdown();
      });

      test(
        '.cancel() - a running task is cancelled through its flag; the same worker takes the next task, which sees no cancel',
        T,
        async () => {
          const p = pool({ maxWorkers: 1 });
          const flag = newFlag();
          const first = p.submit(sleeper, flag, 10_000);
          await running(first, flag);
          const started = performance.now();
          first.cancel();
          first.cancel(); // idempotent
          const result = await first;
          assert.ok(performance.now() - started < 1000, 'a cancelled 10 s sleep ends in well under a second');
          assert.equal(result.cancelled, true);
          const next = await p.submit(probe, { n: 2 });
          assert.equal(next.ident, result.ident, 'the worker was kept');
          assert.equal(next.cancelled, false, 'the next task does not see the previous cancel');
          assert.equal(p.stats.terminated, 0);
          await p.shutdown();
        },
      );

      test('.cancel() - a task that gives up (checkpoint, cancelSignal, sleep) ends cancelled; the worker is kept', T, async () => {
        const p = pool({ maxWorkers: 1 });
        for (const target of [awaitSignal, asyncSleeper]) {
          const flag = newFlag();
          const f = p.submit(target, flag, 10_000);
          await running(f, flag);
          f.cancel('stop');
          const outcome = await f.stop();
          assert.ok(outcome.status === 'cancelled' || (outcome.status === 'completed' && outcome.value === false), show(outcome));
        }
        const flag = newFlag();
        const looping = p.submit(signalThenSleepForever, flag);
        await running(looping, flag);
        looping.cancel('why');
        await assert.rejects(looping.result(), (error: unknown) => error instanceof CancelledError && error.reason === 'why');
        assert.equal(p.stats.terminated, 0);
        assert.equal(p.stats.workers, 1);
        await p.shutdown();
      });

      test(
        '.stop() - a task that ignores its cancel is terminated after graceMs; its worker is replaced and the queue goes on',
        T,
        async () => {
          const p = pool({ maxWorkers: 1 });
          const flag = newFlag();
          const spinner = p.submit(signalThenSpin, flag);
          const after = p.submit(add, 1, 2);
          await running(spinner, flag);
          const identBefore = (spinner.state, p.stats.workers);
          assert.equal(identBefore, 1);
          const started = performance.now();
          assert.deepEqual(await spinner.stop({ graceMs: 100 }), { status: 'terminated' });
          assert.ok(performance.now() - started >= 90, 'after the grace period');
          await assert.rejects(spinner.result(), TerminatedError);
          assert.equal(await after, 3);
          assert.equal(p.stats.terminated, 1);
          await p.shutdown();
        },
      );

      test('.stop() - on a queued task it is cancel(); on one that has just returned it has no effect', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const flag = newFlag();
        const busy = p.submit(sleeper, flag, 10_000);
        await running(busy, flag);
        const queued = p.submit(add, 1, 1);
        assert.deepEqual(await queued.stop(), { status: 'cancelled', reason: undefined });
        busy.cancel();
        await busy;
        const done = p.submit(add, 2, 2);
        assert.equal(await done, 4);
        assert.deepEqual(await done.stop({ graceMs: 0 }), { status: 'completed', value: 4 });
        assert.equal(p.stats.workers, 1, 'the worker was not replaced');
        await assert.rejects(done.stop({ graceMs: -1 }), RangeError);
        await p.shutdown();
      });

      test(
        '.stop() - a task cancelled before it began whose worker is replaced ends with the first reason, and never runs elsewhere',
        T,
        async () => {
          // Found by the lifecycle fuzz (test/fuzz/pools.ts): a process-pool task sent to its child,
          // cancelled, then stopped before 'running' came back was requeued when the child died: it
          // ran uncancelled on the next worker (stop() never resolved) or a later cancel renamed it.
          const p = pool({ minWorkers: 1, maxWorkers: 1 });
          for (let i = 0; i < 5; i += 1) {
            assert.equal(await p.submit(add, 1, i), 1 + i); // the worker is warm: the next task is sent to it at once
            // A plain function is compiled on a worker's first use of it: its target begins later than a module's.
            const f = p.submit((ms: number) => sleepSync(ms), 10_000 + i);
            f.cancel('first');
            const outcome = await f.stop({ graceMs: 0 });
            f.cancel('second');
            // Cancelled where the cancel beat its target; where the target had begun, terminated, or
            // completed with sleepSync's false when it saw the cancel and returned before the terminate.
            assert.ok(
              outcome.status === 'terminated' ||
                (outcome.status === 'cancelled' && outcome.reason === 'first') ||
                (outcome.status === 'completed' && outcome.value === false),
              `${i}: ${show(outcome)}`,
            );
            assert.equal(f.outcome, outcome);
            assert.equal(p.stats.queued, 0, `${i}: the task went back to the queue`);
          }
          assert.equal(await p.submit(add, 2, 3), 5);
          await p.shutdown();
        },
      );
      test('.run() - an aborted signal cancels the task, then replaces the worker after graceMs', T, async () => {
        // A grace that a cooperative cancel always makes, even on a loaded machine; the stuck task gets a short one.
        const p = pool({ maxWorkers: 1, graceMs: 5000 });
        const q = pool({ maxWorkers: 1, graceMs: 100 });
        const flag = newFlag();
        const deadline = new AbortController();
        const cooperative = p.run(sleeper, [flag, 10_000], { signal: deadline.signal, name: 'deadline' });
        assert.equal(cooperative.name, 'deadline');
        await running(cooperative, flag);
        deadline.abort('too late');
        assert.equal((await cooperative).cancelled, true);
        const spinFlag = newFlag();
        const late = new AbortController();
        const spinner = q.run(signalThenSpin, [spinFlag], { signal: late.signal });
        await running(spinner, spinFlag);
        late.abort();
        await assert.rejects(spinner.result(), TerminatedError);
        // A deadline given as AbortSignal.timeout() works the same way.
        const timedFlag = newFlag();
        const timed = p.run(sleeper, [timedFlag, 10_000], { signal: AbortSignal.timeout(1) });
        const outcome = await timed.stop();
        const sleptFully = outcome.status === 'completed' && !outcome.value.cancelled;
        assert.ok(!sleptFully, `the deadline stopped the 10 s sleep: ${show(outcome)}`);
        const controller = new AbortController();
        controller.abort('before');
        const never = p.run(add, [1, 1], { signal: controller.signal });
        assert.deepEqual(never.outcome, { status: 'cancelled', reason: 'before' });
        assert.throws(() => p.run(add, [1, 1], { signal: 'soon' as never }), TypeError);
        await p.shutdown();
        await q.shutdown();
      });
    });

    describe('nothing a task does harms the pool', () => {
      test(
        'crashes - process.exit() and a promise that can never settle fail that task with ThreadCrashedError; the pool goes on',
        T,
        async () => {
          const p = pool({ maxWorkers: 1 });
          await withExcepthook(
            () => {},
            async () => {
              const exits = p.submit(() => process.exit(3));
              await assert.rejects(exits.result(), (error: unknown) => {
                assert.ok(error instanceof ThreadCrashedError, show(error));
                assert.match(error.message, /process\.exit\(3\)/);
                return true;
              });
              const hangs = p.submit(() => new Promise(() => {}));
              await assert.rejects(hangs.result(), (error: unknown) => {
                assert.ok(error instanceof ThreadCrashedError, show(error));
                assert.match(error.message, /event loop ran empty/);
                return true;
              });
              assert.equal(await p.submit(add, 2, 2), 4);
            },
          );
          await p.shutdown();
        },
      );

      test('leftovers - a task that leaves a timer or a server running gets a fresh worker for the next task', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const first = await p.submit(probe, { n: 1 });
        const leaky = await p.submit(() => {
          setInterval(() => {}, 1000);
          return 'left a timer';
        });
        assert.equal(leaky, 'left a timer');
        const second = await p.submit(probe, { n: 2 });
        assert.notEqual(second.ident, first.ident, 'the worker with the timer was replaced');
        const clean = await p.submit(() => {
          const t = setTimeout(() => {}, 1000);
          clearTimeout(t);
          return 1;
        });
        assert.equal(clean, 1);
        const third = await p.submit(probe, { n: 3 });
        assert.equal(third.ident, second.ident, 'a task that cleaned up keeps its worker');
        await p.shutdown();
      });

      test(
        'excepthook - a failed future nobody handles is reported once, with the future and the worker; a handled one is not',
        T,
        async () => {
          const reports: ExceptHookInfo[] = [];
          await withExcepthook(
            (info) => reports.push(info),
            async () => {
              const p = pool({ maxWorkers: 1 });
              const unhandled = p.submit(parse, 'x');
              const handled = p.submit(parse, 'y');
              await assert.rejects(handled.result());
              await unhandled.stop(); // waits, without handling the error
              await new Promise((r) => setImmediate(r));
              await new Promise((r) => setImmediate(r));
              assert.equal(reports.length, 1, show(reports));
              assert.equal(reports[0]!.future, unhandled);
              assert.match(reports[0]!.thread.name, new RegExp(`^${p.name}_0$`));
              assert.match(String((reports[0]!.error as Error).message), /not a number: x/);
              await p.shutdown();
            },
          );
        },
      );

      test('initializer - runs once per worker before its tasks', T, async () => {
        const p = pool({ maxWorkers: 1, initializer: setUp, initArgs: ['hello'] });
        assert.equal(await p.submit(greet, 'world'), 'hello world');
        await p.shutdown();
      });

      test(
        'initializer - initArgs are copied by the constructor: later changes are not seen; shared objects in them are shared',
        T,
        async () => {
          const ready = new Event();
          const options = { greeting: 'hello', ready: new Map([['ready', ready]]) };
          const p = pool({
            maxWorkers: 1,
            initializer: (o: { greeting: string; ready: Map<string, { set(): void }> }) => {
              (globalThis as { greeting?: string }).greeting = o.greeting;
              o.ready.get('ready')!.set();
            },
            initArgs: [options],
          });
          options.greeting = 'changed';
          (options as Record<string, unknown>).cb = () => 1;
          assert.equal(await p.submit(greet, 'world'), 'hello world');
          assert.equal(ready.isSet(), true);
          await p.shutdown();
        },
      );

      test(
        'initializer - initArgs that cannot be sent are refused by the constructor with a TaskError naming them; nothing starts',
        T,
        async () => {
          const other = new ThreadPoolExecutor({ maxWorkers: 1 });
          for (const [initArgs, path] of [
            [[() => 1], /initArgs\[0\] \(a function\)/],
            [['x', { cb: () => 1 }], /initArgs\[1\] \(an object\)/],
            [[{ nested: [other] }], /initArgs\[0\]\.nested\[0\] is a ThreadPoolExecutor/],
          ] as const) {
            assert.throws(
              () => new Ctor({ maxWorkers: 1, initializer: setUpFrom, initArgs: [...initArgs] }),
              (error: unknown) => {
                assert.ok(error instanceof TaskError, show(error));
                assert.match(error.message, path);
                return true;
              },
            );
          }
          await other.shutdown();
        },
      );

      test('initializer - a failing one breaks the pool: pending and later tasks fail with ThreadCrashedError saying why', T, async () => {
        const p = pool({ maxWorkers: 2, initializer: failingSetUp });
        const pending = [p.submit(add, 1, 1), p.submit(add, 2, 2)];
        for (const f of pending) {
          await assert.rejects(f.result(), (error: unknown) => {
            assert.ok(error instanceof ThreadCrashedError, show(error));
            assert.match(error.message, /broken/);
            assert.match(error.message, /the database is down/);
            return true;
          });
        }
        await assert.rejects(p.submit(add, 3, 3).result(), ThreadCrashedError);
        await p.shutdown();
        assert.equal(p.stats.workers, 0);
      });

      test('maxTasksPerWorker - a worker is replaced after that many tasks', T, async () => {
        const p = pool({ maxWorkers: 1, maxTasksPerWorker: 2 });
        const idents = [];
        for (let n = 0; n < 4; n += 1) idents.push((await p.submit(probe, { n })).ident);
        assert.equal(idents[0], idents[1]);
        assert.notEqual(idents[1], idents[2]);
        assert.equal(idents[2], idents[3]);
        await p.shutdown();
      });
    });

    describe('shutdown, stop, stats', () => {
      test('.shutdown() - waits for queued and running tasks; idempotent; then submit/run/map throw ExecutorShutDownError', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const futures = [1, 2, 3].map((n) => p.submit(add, n, n));
        const first = p.shutdown();
        assert.equal(p.shutdown(), first, 'every call returns the same wait');
        await first;
        assert.deepEqual(
          futures.map((f) => f.outcome),
          [2, 4, 6].map((value) => ({ status: 'completed', value })),
        );
        for (const call of [() => p.submit(add, 1, 1), () => p.run(add, [1, 1]), () => p.map(add, [1])]) {
          assert.throws(call, (error: unknown) => {
            assert.ok(error instanceof ExecutorShutDownError, show(error));
            assert.ok(error instanceof ThreadStateError);
            assert.equal(error.code, 'ERR_EXECUTOR_SHUT_DOWN');
            return true;
          });
        }
        assert.equal(p.stats.workers, 0);
      });

      test('.shutdown({ cancelFutures }) - drops the queued tasks (cancelled) and waits for the running one', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const flag = newFlag();
        const runningTask = p.submit((f: Int32Array) => {
          Atomics.store(f, 0, 1);
          Atomics.notify(f, 0);
          sleepSync(200);
          return 'finished';
        }, flag);
        const queued = [p.submit(add, 1, 1), p.submit(add, 2, 2)];
        await running(runningTask, flag);
        await p.shutdown({ cancelFutures: true });
        assert.deepEqual(runningTask.outcome, { status: 'completed', value: 'finished' });
        for (const f of queued) assert.equal(f.outcome?.status, 'cancelled');
        assert.equal(p.stats.cancelled, 2);
      });

      test('.stop() - cancels everything, then terminates the workers still busy after graceMs', T, async () => {
        const p = pool({ maxWorkers: 2 });
        const a = newFlag();
        const b = newFlag();
        const cooperative = p.submit(sleeper, a, 10_000);
        const stubborn = p.submit(signalThenSpin, b);
        const queued = p.submit(add, 1, 1);
        await running(cooperative, a);
        await running(stubborn, b);
        // Generous: a cooperative task in a child process of a loaded machine must make it in time.
        await p.stop({ graceMs: 1000 });
        assert.equal((cooperative.outcome as { value?: { cancelled: boolean } }).value?.cancelled, true, show(cooperative.outcome));
        assert.deepEqual(stubborn.outcome, { status: 'terminated' });
        assert.equal(queued.outcome?.status, 'cancelled');
        assert.equal(p.stats.workers, 0);
      });

      test('[Symbol.asyncDispose]() - shuts the pool down', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const f = p.submit(add, 1, 1);
        await p[Symbol.asyncDispose]();
        assert.equal(f.outcome?.status, 'completed');
        assert.throws(() => p.submit(add, 1, 1), ExecutorShutDownError);
      });
    });

    describe('map, asCompleted, wait', () => {
      test('.map() - yields results in input order; unordered and chunked give the same results', T, async () => {
        const p = pool({ maxWorkers: 2 });
        const items = Array.from({ length: 20 }, (_, i) => i);
        const ordered: number[] = [];
        for await (const r of p.map((x: number) => x * x, items)) ordered.push(r);
        assert.deepEqual(
          ordered,
          items.map((x) => x * x),
        );
        const unordered: number[] = [];
        for await (const r of p.map((x: number) => x * x, items, { ordered: false })) unordered.push(r);
        assert.deepEqual(
          unordered.sort((x, y) => x - y),
          items.map((x) => x * x),
        );
        const chunked: number[] = [];
        for await (const r of p.map((x: number) => x + 1, items, { chunkSize: 7 })) chunked.push(r);
        assert.deepEqual(
          chunked,
          items.map((x) => x + 1),
        );
        assert.throws(() => p.map((x: number) => x, items, { chunkSize: 0 }), RangeError);
        assert.throws(() => p.map((x: number) => x, 42 as never), TypeError);
        await p.shutdown();
      });

      test('.map() - reads its input lazily and keeps at most 2 × maxWorkers tasks in flight', T, async () => {
        const p = pool({ maxWorkers: 1 });
        let pulled = 0;
        async function* input() {
          for (let i = 0; i < 10; i += 1) {
            pulled += 1;
            yield i;
          }
        }
        const results = p.map((x: number) => x, input());
        await new Promise((r) => setImmediate(r));
        assert.equal(pulled, 0, 'nothing is read before the first iteration');
        const first = await results.next();
        assert.deepEqual(first, { value: 0, done: false });
        assert.ok(pulled <= 3, `read ${pulled} items for a first result with 2 in flight`);
        await results.return?.(undefined);
        await p.shutdown();
      });

      test('.map() - break cancels the tasks in flight; a failing task ends the loop with its error', T, async () => {
        // The first item ends at once; the next one in flight sleeps 10 s unless the break cancels it.
        const broken = pool({ maxWorkers: 1 });
        for await (const r of broken.map(napThenCheck, [0, 10_000, 10_000, 10_000, 10_000])) {
          assert.equal(r, 0);
          break;
        }
        await broken.shutdown();
        assert.equal(broken.stats.completed, 1, show(broken.stats));
        assert.ok(broken.stats.cancelled >= 1, `the task in flight was cancelled: ${show(broken.stats)}`);
        const p = pool({ maxWorkers: 1 });
        await assert.rejects(async () => {
          for await (const _result of p.map(parse, ['1', 'two', '3'])) {
            // consume
          }
        }, /not a number: two/);
        // A task still sleeping when the loop is left gets its cancel; the loop does not wait for it.
        const started = performance.now();
        for await (const _result of p.map((ms: number) => sleepSync(ms), [0, 10_000, 10_000])) break;
        assert.ok(performance.now() - started < 5000);
        await p.shutdown();
        assert.ok(performance.now() - started < 5000, 'the sleeping task was cancelled, not awaited for 10 s');
      });

      test('.map() - shutdown() while iterating: the loop yields what is in flight, then throws ExecutorShutDownError', T, async () => {
        const p = pool({ maxWorkers: 1 });
        const seen: number[] = [];
        await assert.rejects(async () => {
          for await (const r of p.map((x: number) => x, [1, 2, 3, 4, 5, 6, 7, 8])) {
            seen.push(r);
            if (r === 1) void p.shutdown();
          }
        }, ExecutorShutDownError);
        assert.deepEqual(seen, [1, 2, 3].slice(0, seen.length));
        await p.shutdown();
      });

      test(
        'asCompleted() - yields the Future objects themselves, ended ones first, then as they end; TimeoutError after timeoutMs',
        T,
        async () => {
          const p = pool({ maxWorkers: 2 });
          const done = p.submit(add, 1, 1);
          await done;
          const flag = newFlag();
          const slow = p.submit(sleeper, flag, 10_000);
          const quick = p.submit(add, 2, 2);
          await quick;
          const seen: unknown[] = [];
          await assert.rejects(async () => {
            for await (const f of asCompleted<Future<unknown>>([slow, done, quick, done], 300)) {
              assert.ok(f instanceof Future, `expected a Future, got ${show(f)}`);
              seen.push(f);
            }
          }, TimeoutError);
          assert.deepEqual(seen, [done, quick]);
          slow.cancel();
          const rest: unknown[] = [];
          for await (const f of asCompleted([slow])) rest.push(f);
          assert.deepEqual(rest, [slow]);
          await p.shutdown();
        },
      );

      test('wait() - ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION (a cancel is not an exception), and timeoutMs', T, async () => {
        const p = pool({ maxWorkers: 2 });
        const flag = newFlag();
        const slow = p.submit(sleeper, flag, 10_000);
        const quick = p.submit(add, 1, 1);
        const first = await wait([slow, quick], { returnWhen: 'FIRST_COMPLETED' });
        assert.deepEqual([...first.done], [quick]);
        assert.deepEqual([...first.notDone], [slow]);
        const timed = await wait([slow, quick], { timeoutMs: 50 });
        assert.equal(timed.notDone.size, 1);
        const failing = p.submit(parse, 'x');
        failing.then(undefined, () => {});
        const exception = await wait([slow, failing], { returnWhen: 'FIRST_EXCEPTION' });
        assert.deepEqual([...exception.done], [failing]);
        slow.cancel();
        const all = await wait([slow, quick, failing]);
        assert.equal(all.done.size, 3);
        await assert.rejects(wait([slow], { returnWhen: 'SOMETIMES' as never }), TypeError);
        await p.shutdown();
      });
    });

    describe('rules that hold everywhere (API.md section 12)', () => {
      test('timeouts - Future.result, asCompleted, wait take ms above 2**31 - 1 and Infinity as the long wait they ask for', T, () =>
        noTimeoutOverflow(async () => {
          const p = pool({ maxWorkers: 1 });
          const started = new Event();
          const go = new Event();
          const f = p.submit(stubborn, started, go);
          await started.wait();
          const waits = LONG_WAITS.flatMap((ms) => [
            { what: `result(${ms})`, w: watch(f.result(ms)) },
            { what: `asCompleted(futures, ${ms})`, w: watch(asCompleted([f], ms).next()) },
            { what: `wait(futures, { timeoutMs: ${ms} })`, w: watch(wait([f], { timeoutMs: ms })) },
          ]);
          await elapse();
          for (const { what, w } of waits) assert.equal(w.settled, undefined, `${what} ended early`);
          go.set();
          for (const { what, w } of waits) {
            const value = await w.promise;
            if (what.startsWith('result')) assert.equal(value, 'finished', what);
            else if (what.startsWith('asCompleted')) assert.equal((value as IteratorResult<unknown>).value, f, what);
            else assert.deepEqual((value as { done: Set<unknown> }).done, new Set([f]), what);
          }
          await p.shutdown();
        }),
      );

      test('timeouts - Future.stop({ graceMs }) above 2**31 - 1 ms or Infinity waits for the task, never terminates at once', T, () =>
        noTimeoutOverflow(async () => {
          const p = pool({ maxWorkers: LONG_WAITS.length });
          const go = new Event();
          const runs = LONG_WAITS.map((graceMs) => {
            const started = new Event();
            return { graceMs, started, f: p.submit(stubborn, started, go) };
          });
          for (const run of runs) await run.started.wait();
          const stops = runs.map(({ f, graceMs }) => watch(f.stop({ graceMs })));
          await elapse();
          for (const [i, { f, graceMs }] of runs.entries()) {
            assert.equal(f.done(), false, `stop({ graceMs: ${graceMs} }) ended it early: ${show(f.outcome)}`);
            assert.equal(stops[i]!.settled, undefined);
          }
          go.set();
          for (const stop of stops) assert.deepEqual(await stop.promise, { status: 'completed', value: 'finished' });
          await p.shutdown();
        }),
      );

      for (const graceMs of LONG_WAITS) {
        test(`timeouts - pool.stop({ graceMs: ${graceMs} }) and new pool({ graceMs }) wait for the running task`, T, () =>
          noTimeoutOverflow(async () => {
            const p = pool({ maxWorkers: 1, graceMs });
            const started = new Event();
            const go = new Event();
            const f = p.submit(stubborn, started, go);
            await started.wait();
            const stopped = watch(p.stop({ graceMs }));
            await elapse();
            assert.equal(f.done(), false, `terminated within the grace period: ${show(f.outcome)}`);
            assert.equal(stopped.settled, undefined);
            go.set();
            await stopped.promise;
            assert.deepEqual(f.outcome, { status: 'completed', value: 'finished' });
          }),
        );
      }

      test('timeouts - idleTimeoutMs above 2**31 - 1 ms or Infinity keeps an idle worker', T, () =>
        noTimeoutOverflow(async () => {
          const pools = LONG_WAITS.map((idleTimeoutMs) => ({ idleTimeoutMs, p: pool({ maxWorkers: 1, idleTimeoutMs }) }));
          for (const { p } of pools) assert.equal(await p.submit(add, 1, 1), 2);
          await elapse();
          for (const { p, idleTimeoutMs } of pools) {
            assert.deepEqual([p.stats.workers, p.stats.idle], [1, 1], `idleTimeoutMs ${idleTimeoutMs}: ${show(p.stats)}`);
          }
          await Promise.all(pools.map(({ p }) => p.shutdown()));
        }),
      );

      test(
        'options - map, run, shutdown, stop, Future.stop, wait refuse an unknown key or a non-object with a TypeError, and do nothing',
        T,
        async () => {
          const p = pool({ maxWorkers: 1 });
          const unknown = (key: string, call: string, expected: string) => ({
            name: 'TypeError',
            message: `Unknown option \`${key}\` for ${call}; expected one of: ${expected}`,
          });
          const notObject = { name: 'TypeError', message: 'Expected `options` to be an object or undefined, got `null` (null)' };
          assert.throws(
            () => p.map(add, [1, 2], { chunksize: 5 } as never),
            unknown('chunksize', 'map()', 'ordered, chunkSize, bufferSize'),
          );
          assert.throws(() => p.map(add, [1, 2], null as never), notObject);
          assert.throws(() => p.run(add, [1, 2], { nmae: 'x' } as never), unknown('nmae', 'run()', 'signal, name'));
          assert.throws(() => p.run(add, [1, 2], null as never), notObject);
          assert.throws(() => p.shutdown({ cancel_futures: true } as never), unknown('cancel_futures', 'shutdown()', 'cancelFutures'));
          assert.throws(() => p.shutdown(null as never), notObject);
          await assert.rejects(p.stop({ grace: 0 } as never), unknown('grace', 'stop()', 'graceMs'));
          await assert.rejects(p.stop(null as never), notObject);
          assert.deepEqual([p.stats.workers, p.stats.queued], [0, 0], 'nothing was started');
          const done = p.submit(add, 1, 2);
          assert.equal(await done, 3, 'the refused shutdown() and stop() did not shut the pool down');
          await assert.rejects(
            wait([done], { return_when: 'FIRST_COMPLETED' } as never),
            unknown('return_when', 'wait()', 'returnWhen, timeoutMs'),
          );
          await assert.rejects(wait([done], null as never), notObject);
          const flag = newFlag();
          const f = p.submit(sleeper, flag, 10_000);
          await running(f, flag);
          await assert.rejects(f.stop(null as never), notObject);
          await assert.rejects(f.stop({ grace: 1 } as never), unknown('grace', 'stop()', 'graceMs'));
          await assert.rejects(f.stop({ graceMs: -1 }), RangeError);
          assert.equal(f.state, 'running', 'a refused stop() does not cancel the task');
          f.cancel();
          await Promise.allSettled([f]);
          await p.shutdown();
        },
      );

      test('maxQueued - 0 runs a task on a worker started for it or an idle one, and refuses only one that would wait', T, async () => {
        const p = pool({ maxWorkers: 2, maxQueued: 0 });
        const flag = newFlag();
        const busy = p.submit(sleeper, flag, 10_000);
        const quick = p.submit(add, 1, 2);
        assert.deepEqual([p.stats.workers, p.stats.queued], [2, 0], 'each task has a worker started for it; none waits');
        assert.throws(() => p.submit(add, 0, 0), { name: 'RangeError', message: /maxQueued/ });
        assert.equal(await quick, 3);
        assert.equal(await p.submit(add, 2, 2), 4, 'an idle worker takes it');
        busy.cancel();
        await Promise.allSettled([busy]);
        await p.shutdown();
        // One worker, one place: the first task has its (starting) worker, the second waits, the third is refused.
        const q = pool({ maxWorkers: 1, maxQueued: 1 });
        const first = q.submit(add, 1, 1);
        const second = q.submit(add, 2, 2);
        assert.equal(q.stats.queued, 1, show(q.stats));
        assert.throws(() => q.submit(add, 3, 3), RangeError);
        assert.deepEqual(await Promise.all([first, second]), [2, 4]);
        await q.shutdown();
      });

      test("handled failures - an ordered map() throws a later task's failure from the loop, and does not also report it", T, async () => {
        const reports: ExceptHookInfo[] = [];
        await withExcepthook(
          (info) => reports.push(info),
          async () => {
            const p = pool({ maxWorkers: 2 });
            const go = new Event();
            // Item 0 runs until `go`; item 1 fails at once, while item 0 still runs.
            const items = [
              { go, fail: false },
              { go, fail: true },
            ];
            const target = ({ go: gate, fail }: { go: Event; fail: boolean }) => {
              if (fail) throw new RangeError('item 1 fails');
              gate.waitSync();
              return 'item 0';
            };
            const seen: unknown[] = [];
            const loop = (async () => {
              for await (const value of p.map(target, items)) seen.push(value);
            })();
            // Until the failure has been reported if it ever is: the turn after it failed, and one more.
            while (p.stats.failed === 0) await new Promise((r) => setImmediate(r));
            await new Promise((r) => setImmediate(r));
            await new Promise((r) => setImmediate(r));
            go.set();
            await assert.rejects(loop, /item 1 fails/);
            assert.deepEqual(seen, ['item 0']);
            assert.equal(reports.length, 0, `the failure thrown from the loop was also reported: ${show(reports)}`);
            await p.shutdown();
          },
        );
      });

      test(
        "handled failures - a failure seen through asCompleted() or wait()'s done set is not reported; one left unseen is",
        T,
        async () => {
          const reports: ExceptHookInfo[] = [];
          const turns = async (n: number) => {
            for (let i = 0; i < n; i += 1) await new Promise((r) => setImmediate(r));
          };
          await withExcepthook(
            (info) => reports.push(info),
            async () => {
              const p = pool({ maxWorkers: 2 });
              // The README's example: the outcome read in the loop.
              const statuses: string[] = [];
              for await (const f of asCompleted([p.submit(add, 1, 1), p.submit(parse, 'x')])) statuses.push(f.outcome!.status);
              assert.deepEqual(statuses.sort(), ['completed', 'failed']);
              // A failure that comes while the loop is busy with another future is still the loop's.
              const first = p.submit(add, 2, 2);
              const failing = p.submit(parse, 'y');
              for await (const f of asCompleted([first, failing])) {
                if (f !== first) continue;
                while (!failing.done()) await turns(1);
                await turns(2);
              }
              // wait(): a failure in `done` is handled there.
              const { done } = await wait([p.submit(parse, 'z')]);
              assert.equal([...done][0]!.outcome!.status, 'failed');
              await turns(2);
              assert.equal(reports.length, 0, show(reports));
              // A future left in notDone that fails later, unseen, is reported.
              const go = new Event();
              const later = p.submit((gate: Event) => {
                gate.waitSync();
                throw new RangeError('failed later');
              }, go);
              const quick = p.submit(add, 3, 3);
              const { notDone } = await wait([later, quick], { returnWhen: 'FIRST_COMPLETED' });
              assert.ok(notDone.has(later));
              go.set();
              while (!later.done()) await turns(1); // waits, without handling the error
              await turns(2);
              assert.equal(reports.length, 1, show(reports));
              assert.equal(reports[0]!.future, later);
              // So is one an asCompleted() loop never reached (it was left early, at the future that had ended first).
              const ended = p.submit(add, 0, 0);
              await ended;
              const never = p.submit(parse, 'never seen');
              for await (const f of asCompleted([ended, never])) {
                assert.equal(f, ended);
                break;
              }
              while (!never.done()) await turns(1);
              await turns(2);
              assert.equal(reports.length, 2, show(reports));
              assert.equal(reports[1]!.future, never);
              await p.shutdown();
            },
          );
        },
      );
    });

    test('currentThread() - inside a task it is the worker, named <pool>_<i>', T, async () => {
      const p = pool({ maxWorkers: 1, name: 'who' });
      const info = await p.submit(() => currentThread());
      assert.equal(info.name, 'who_0');
      assert.equal(info.isMain, false);
      await p.shutdown();
    });
  });
}
