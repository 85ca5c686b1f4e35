// The channels of API.md 11.1 for both pools: queued, start..settled, cancel (queued and running), terminate, worker spawn and exit.

import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { describe, test } from 'node:test';
import { Event, ProcessPoolExecutor, ThreadPoolExecutor, checkpoint } from 'threadkit';
import { guardPools, T, tracked } from '../support/guard.ts';
import { recordAll, stringsIn, type Recorded } from './record.ts';

/** Sets `started`, then spins on checkpoint(): a cancel ends it cancelled. */
function checkpointLoop(started: Event): never {
  started.set();
  for (;;) checkpoint();
}

/** Sets `started`, then spins without looking at cancel: only its worker's end stops it. */
function spin(started: Event): never {
  started.set();
  for (;;);
}

function double(x: number): number {
  return x * 2;
}

const POOLS = [
  { kind: 'thread', Ctor: ThreadPoolExecutor },
  { kind: 'process', Ctor: ProcessPoolExecutor },
] as const;

/** The index of the first event matching. */
function at(events: Recorded[], match: (e: Recorded) => boolean): number {
  const i = events.findIndex(match);
  assert.ok(i >= 0, 'event not found');
  return i;
}

for (const { kind, Ctor } of POOLS) {
  describe(`${Ctor.name} - threadkit channels`, () => {
    guardPools();

    test('tasks - queued first, spawn before the first start, start..settled, exit (shutdown) after the last end', T, async () => {
      const rec = recordAll();
      try {
        const pool = tracked(new Ctor({ maxWorkers: 1, name: `obs-${kind}` }));
        const futures = [1, 2, 3].map((x) => pool.submit(double, x));
        const named = pool.run(double, [4], { name: 'four' });
        // Everything up to asyncEnd is published before the Future resolves for anyone.
        const seenAtResolve = named.then(() => rec.kinds('four'));
        assert.deepEqual(await Promise.all([...futures, named]), [2, 4, 6, 8]);
        assert.deepEqual(await seenAtResolve, ['queued', 'start', 'end', 'asyncStart', 'asyncEnd', 'settled']);
        await pool.shutdown();
        const names = [`obs-${kind} task 1`, `obs-${kind} task 2`, `obs-${kind} task 3`, 'four'];
        for (const name of names) {
          assert.deepEqual(rec.kinds(name), ['queued', 'start', 'end', 'asyncStart', 'asyncEnd', 'settled'], name);
          const [queued, start] = rec.of(name);
          const context = queued!.context!;
          assert.equal(context.kind, 'pool-task');
          assert.equal(context.executor, `obs-${kind}`);
          assert.equal(queued!.message.ts, context.submitTime);
          const worker = start!.fields!.worker as { name: string; ident: number; pid: number };
          assert.equal(worker.name, `obs-${kind}_0`);
          if (kind === 'thread') assert.equal(worker.pid, process.pid);
          else assert.equal(worker.pid, worker.ident);
          const { submitTime, startTime, endTime } = context as Record<string, number>;
          assert.ok(submitTime! <= startTime! && startTime! <= endTime!, `${submitTime} <= ${startTime} <= ${endTime}`);
          assert.equal(context.status, 'completed');
        }
        const all = rec.events;
        const spawn = at(all, (e) => e.event === 'spawn');
        const exit = at(all, (e) => e.event === 'exit');
        assert.ok(spawn < at(all, (e) => e.event === 'start'));
        assert.ok(exit > all.findLastIndex((e) => e.event === 'end'));
        assert.deepEqual(all[spawn]!.message.worker, all[exit]!.message.worker);
        assert.equal(all[spawn]!.message.executor, `obs-${kind}`);
        assert.equal(all[spawn]!.message.kind, kind);
        assert.equal(all[exit]!.message.reason, 'shutdown');
        // Ids are distinct.
        assert.equal(new Set(names.map((n) => rec.of(n)[0]!.context!.id)).size, 4);
      } finally {
        rec.stop();
      }
    });

    test('a task cancelled while queued - queued, cancel (began: false), settled; no TracingChannel event', T, async () => {
      const rec = recordAll();
      try {
        const pool = tracked(new Ctor({ maxWorkers: 1, name: `q-${kind}` }));
        const started = new Event();
        const blocker = pool.run(checkpointLoop, [started], { name: 'blocker' });
        const queued = pool.run(double, [1], { name: 'waiting' });
        await started.wait();
        queued.cancel('not needed');
        assert.equal(queued.outcome?.status, 'cancelled');
        assert.deepEqual(rec.kinds('waiting'), ['queued', 'cancel', 'settled']);
        const [, cancel, settled] = rec.of('waiting');
        assert.equal(cancel!.message.reason, 'not needed');
        assert.equal(cancel!.message.began, false);
        assert.equal(settled!.message.status, 'cancelled');
        assert.equal(settled!.message.began, false);
        blocker.cancel();
        await blocker.stop();
        await pool.shutdown();
      } finally {
        rec.stop();
      }
    });

    test('a running task cancelled - start before cancel (began: true), at most one cancel, end with status cancelled', T, async () => {
      const rec = recordAll();
      try {
        const pool = tracked(new Ctor({ maxWorkers: 1 }));
        const started = new Event();
        const f = pool.run(checkpointLoop, [started], { name: 'loop' });
        await started.wait();
        f.cancel('stop');
        f.cancel('again');
        assert.equal((await f.stop()).status, 'cancelled');
        assert.deepEqual(rec.kinds('loop'), ['queued', 'start', 'cancel', 'end', 'asyncStart', 'asyncEnd', 'settled']);
        const cancel = rec.of('loop')[2]!;
        assert.equal(cancel.message.reason, 'stop');
        assert.equal(cancel.message.began, true);
        assert.equal(rec.of('loop')[3]!.fields!.status, 'cancelled');
        await pool.shutdown();
      } finally {
        rec.stop();
      }
    });

    test('stop() whose grace runs out - cancel, terminate (grace), end terminated; the worker exits "replaced"', T, async () => {
      const rec = recordAll();
      try {
        const pool = tracked(new Ctor({ maxWorkers: 1 }));
        const started = new Event();
        const f = pool.run(spin, [started], { name: 'stubborn' });
        await started.wait();
        assert.equal((await f.stop({ graceMs: 20 })).status, 'terminated');
        assert.deepEqual(rec.kinds('stubborn'), ['queued', 'start', 'cancel', 'terminate', 'end', 'asyncStart', 'asyncEnd', 'settled']);
        assert.equal(rec.of('stubborn')[3]!.message.reason, 'grace');
        assert.equal(rec.of('stubborn')[4]!.fields!.status, 'terminated');
        await pool.shutdown();
        const exit = rec.events.find((e) => e.event === 'exit');
        assert.equal(exit?.message.reason, 'replaced');
        assert.ok(rec.events.indexOf(exit) > rec.events.indexOf(rec.of('stubborn')[4]!));
      } finally {
        rec.stop();
      }
    });

    test('worker:exit - "idle" after idleTimeoutMs, "max-tasks" after maxTasksPerWorker', T, async () => {
      const rec = recordAll();
      try {
        const idle = tracked(new Ctor({ maxWorkers: 1, idleTimeoutMs: 10, name: `idle-${kind}` }));
        await idle.submit(double, 1);
        // The idle pool holds nothing open: this timer keeps the test's event loop alive while it waits (it is no synchronisation).
        const keepAlive = setTimeout(() => {}, 10_000);
        await new Promise<void>((resolve) => {
          const onExit = () => {
            clearTimeout(keepAlive);
            dc.unsubscribe('threadkit:worker:exit', onExit);
            resolve();
          };
          dc.subscribe('threadkit:worker:exit', onExit);
        });
        assert.equal(rec.events.find((e) => e.event === 'exit')?.message.reason, 'idle');
        await idle.shutdown();
        const max = tracked(new Ctor({ maxWorkers: 1, maxTasksPerWorker: 1, name: `max-${kind}` }));
        await max.submit(double, 1);
        await max.shutdown();
        const exits = rec.events.filter((e) => e.event === 'exit' && e.message.executor === `max-${kind}`);
        assert.equal(exits[0]?.message.reason, 'max-tasks');
      } finally {
        rec.stop();
      }
    });

    test('worker:exit - "crashed" (process.exit in a task), "left-running" (a timer left behind), "init-failed"', T, async () => {
      const rec = recordAll();
      try {
        const exits = (executor: string) => rec.events.filter((e) => e.event === 'exit' && e.message.executor === executor);
        const crash = tracked(new Ctor({ maxWorkers: 1, name: `crash-${kind}` }));
        await assert.rejects(Promise.resolve(crash.run(() => process.exit(3), [], { name: 'exits' })), { name: 'ThreadCrashedError' });
        await crash.shutdown();
        assert.equal(exits(`crash-${kind}`)[0]?.message.reason, 'crashed');
        assert.equal(exits(`crash-${kind}`)[0]?.message.code, 3);
        const leaky = tracked(new Ctor({ maxWorkers: 1, name: `leaky-${kind}` }));
        await leaky.submit(() => void setInterval(() => {}, 1000));
        await leaky.shutdown();
        assert.equal(exits(`leaky-${kind}`)[0]?.message.reason, 'left-running');
        const broken = tracked(
          new Ctor({
            maxWorkers: 1,
            name: `broken-${kind}`,
            initializer: () => {
              throw new Error('no');
            },
          }),
        );
        await assert.rejects(Promise.resolve(broken.submit(double, 1)));
        await broken.shutdown();
        assert.equal(exits(`broken-${kind}`)[0]?.message.reason, 'init-failed');
      } finally {
        rec.stop();
      }
    });

    test('pool.stop() - every queued task gets cancel and settled; no argument or return value in any message', T, async () => {
      const rec = recordAll();
      try {
        const secret = `secret-${kind}-${Math.random()}`;
        const pool = tracked(new Ctor({ maxWorkers: 1, name: `stop-${kind}` }));
        const echo = (s: { v: string }) => ({ back: s.v });
        assert.equal((await pool.run(echo, [{ v: secret }], { name: 'echo' })).back, secret);
        const started = new Event();
        const running = pool.run(checkpointLoop, [started], { name: 'running' });
        const waiting = pool.run(echo, [{ v: secret }], { name: 'waiting' });
        await started.wait();
        await pool.stop({ graceMs: 5000 });
        assert.equal(running.outcome?.status, 'cancelled');
        assert.equal(waiting.outcome?.status, 'cancelled');
        assert.deepEqual(rec.kinds('waiting'), ['queued', 'cancel', 'settled']);
        assert.deepEqual(rec.kinds('running'), ['queued', 'start', 'cancel', 'end', 'asyncStart', 'asyncEnd', 'settled']);
        const leaked = rec.events.flatMap((e) => stringsIn(e.message)).filter((s) => s.includes(secret));
        assert.deepEqual(leaked, []);
      } finally {
        rec.stop();
      }
    });
  });
}
