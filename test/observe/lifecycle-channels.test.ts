// The channels of API.md 11.1 for Thread and Process: the TracingChannel's order, cancel, terminate, settled, the context's fields.

import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { describe, test } from 'node:test';
import { Process, Thread } from 'threadkit';
import { guardThreads, T } from '../support/guard.ts';
import { checkpoint } from 'threadkit';
import { recordAll, stringsIn } from './record.ts';

/** Spins until terminated (self-contained: sent as source). */
function spin(): never {
  for (;;);
}

/** Spins on checkpoint(): a cancel ends it cancelled. */
function checkpointLoop(): never {
  for (;;) checkpoint();
}

const BACKENDS = [
  { kind: 'thread', Ctor: Thread },
  { kind: 'process', Ctor: Process },
] as const;

for (const { kind, Ctor } of BACKENDS) {
  describe(`${Ctor.name} - threadkit:task channels`, () => {
    guardThreads();

    test('a completed run - start, end, asyncStart, asyncEnd, settled, with one context, all before result() resolves', T, async () => {
      const rec = recordAll();
      try {
        const before = performance.now();
        const t = new Ctor({ target: (a: number, b: number) => a + b, args: [2, 3], name: `sum-${kind}` }).start();
        let seenAtResult: string[] = [];
        const value = await t.result().then((v) => ((seenAtResult = rec.kinds(`sum-${kind}`)), v));
        assert.equal(value, 5);
        assert.deepEqual(seenAtResult, ['start', 'end', 'asyncStart', 'asyncEnd', 'settled']);
        const events = rec.of(`sum-${kind}`);
        const context = events[0]!.context!;
        assert.ok(
          events.every((e) => e.context === context),
          'one context object for every event',
        );
        assert.equal(context.kind, kind);
        assert.ok(Number.isInteger(context.id) && (context.id as number) > 0);
        assert.equal(context.status, 'completed');
        const worker = context.worker as { name: string; ident: number; pid: number };
        assert.deepEqual(worker, { name: `sum-${kind}`, ident: t.ident, pid: kind === 'thread' ? process.pid : t.ident });
        const { submitTime, startTime, endTime } = context as Record<string, number>;
        assert.ok(before <= submitTime! && submitTime! <= startTime! && startTime! <= endTime! && endTime! <= performance.now());
        // start: the worker and startTime are set, endTime and status not yet.
        assert.equal(events[0]!.fields!.endTime, undefined);
        assert.equal(events[0]!.fields!.status, undefined);
        assert.equal(events[1]!.fields!.status, 'completed');
        assert.deepEqual(events[4]!.message, { task: context, status: 'completed', began: true, ts: events[4]!.message.ts });
        assert.equal('error' in context, false);
      } finally {
        rec.stop();
      }
    });

    test('a failed run - error (context.error set) before end; join() resolves after asyncEnd', T, async () => {
      const rec = recordAll();
      try {
        const hook = Ctor.excepthook;
        Ctor.excepthook = () => {};
        try {
          const t = new Ctor({
            target: () => {
              throw new RangeError('boom');
            },
            name: `fail-${kind}`,
          }).start();
          await t.join();
          const events = rec.of(`fail-${kind}`);
          assert.deepEqual(
            events.map((e) => e.event),
            ['start', 'error', 'end', 'asyncStart', 'asyncEnd', 'settled'],
          );
          assert.ok(events[1]!.fields!.error instanceof RangeError);
          assert.equal(events[1]!.fields!.error.message, 'boom');
          assert.equal(events[2]!.fields!.status, 'failed');
        } finally {
          Ctor.excepthook = hook;
        }
      } finally {
        rec.stop();
      }
    });

    test('cancel() while running - start before cancel (reason, began: true), status cancelled, no error event', T, async () => {
      const rec = recordAll();
      try {
        const t = new Ctor({ target: checkpointLoop, name: `cancel-${kind}` }).start();
        await rec.waitFor(`cancel-${kind}`, 'start');
        t.cancel('enough');
        t.cancel('again');
        await t.join();
        const events = rec.of(`cancel-${kind}`);
        assert.deepEqual(
          events.map((e) => e.event),
          ['start', 'cancel', 'end', 'asyncStart', 'asyncEnd', 'settled'],
        );
        assert.equal(events[1]!.message.reason, 'enough');
        assert.equal(events[1]!.message.began, true);
        assert.equal(events[2]!.fields!.status, 'cancelled');
      } finally {
        rec.stop();
      }
    });

    test('cancel() before start() - cancel (began: false) and settled only: no TracingChannel event', T, async () => {
      const rec = recordAll();
      try {
        const t = new Ctor({ target: () => 1, name: `early-${kind}` });
        t.cancel('not now');
        t.start();
        await t.join();
        const events = rec.of(`early-${kind}`);
        assert.deepEqual(
          events.map((e) => e.event),
          ['cancel', 'settled'],
        );
        assert.equal(events[0]!.message.began, false);
        assert.equal(events[1]!.message.status, 'cancelled');
        assert.equal(events[1]!.message.began, false);
      } finally {
        rec.stop();
      }
    });

    test('terminate() - terminate (reason "terminate") before end; status terminated, no error', T, async () => {
      const rec = recordAll();
      try {
        const t = new Ctor({ target: spin, name: `term-${kind}` }).start();
        await rec.waitFor(`term-${kind}`, 'start');
        await t.terminate();
        const events = rec.of(`term-${kind}`);
        assert.deepEqual(
          events.map((e) => e.event),
          ['start', 'terminate', 'end', 'asyncStart', 'asyncEnd', 'settled'],
        );
        assert.equal(events[1]!.message.reason, 'terminate');
        assert.equal(events[1]!.message.began, true);
        assert.equal(events[2]!.fields!.status, 'terminated');
      } finally {
        rec.stop();
      }
    });

    test('stop() whose grace runs out - cancel, then terminate with reason "grace"', T, async () => {
      const rec = recordAll();
      try {
        const t = new Ctor({ target: spin, name: `grace-${kind}` }).start();
        await rec.waitFor(`grace-${kind}`, 'start');
        await t.stop({ graceMs: 50 });
        const events = rec.of(`grace-${kind}`);
        assert.deepEqual(
          events.map((e) => e.event),
          ['start', 'cancel', 'terminate', 'end', 'asyncStart', 'asyncEnd', 'settled'],
        );
        assert.equal(events[2]!.message.reason, 'grace');
      } finally {
        rec.stop();
      }
    });

    test('never an argument or a return value in any message or context', T, async () => {
      const rec = recordAll();
      try {
        const secret = `secret-arg-${kind}-${Math.random()}`;
        const t = new Ctor({
          target: (s: { deep: string[] }, m: Map<string, string>) => ({ out: `${s.deep[0]}-returned`, m: [...m.values()] }),
          args: [{ deep: [secret] }, new Map([['k', secret]])],
          name: `noargs-${kind}`,
        }).start();
        assert.equal((await t.result()).out, `${secret}-returned`);
        const all = rec.of(`noargs-${kind}`);
        assert.equal(all.length, 5);
        const leaked = all.flatMap((e) => stringsIn(e.message)).filter((s) => s.includes(secret));
        assert.deepEqual(leaked, []);
      } finally {
        rec.stop();
      }
    });
  });
}

describe('threadkit:task channels - nobody listening', () => {
  guardThreads();

  test('no context is made while nobody subscribes (ids are not used up)', T, async () => {
    const ids: number[] = [];
    const onStart = (context: unknown) => ids.push((context as { id: number }).id);
    dc.subscribe('tracing:threadkit:task:start', onStart);
    await new Thread({ target: () => 1 }).start().join();
    dc.unsubscribe('tracing:threadkit:task:start', onStart);
    for (let i = 0; i < 3; i += 1) await new Thread({ target: () => 1 }).start().join();
    dc.subscribe('tracing:threadkit:task:start', onStart);
    await new Thread({ target: () => 1 }).start().join();
    dc.unsubscribe('tracing:threadkit:task:start', onStart);
    assert.equal(ids.length, 2);
    assert.equal(ids[1], ids[0]! + 1);
  });

  test('Process#kill() - terminate with reason "kill"', T, async () => {
    const rec = recordAll();
    try {
      const p = new Process({ target: spin, name: 'killed' }).start();
      await rec.waitFor('killed', 'start');
      await p.kill();
      const terminate = rec.of('killed').find((e) => e.event === 'terminate');
      assert.equal(terminate?.message.reason, 'kill');
    } finally {
      rec.stop();
    }
  });
});
