// Shared objects in args and fields: one object on every side (a Process's served by its parent), and nothing leaks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Event, Lock, Process, Queue, Semaphore, Thread, activeCount } from 'threadkit';
import { guardThreads, T } from '../support/guard.ts';
import { blocksInUse } from '../support/served.ts';

guardThreads();

describe('shared objects in args', () => {
  test('nested in arrays and plain objects, repeated and in a cycle - the same object in the thread', T, async () => {
    const lock = new Lock();
    const event = new Event();
    const config: Record<string, unknown> = { deep: { list: [lock, { event }] }, again: lock };
    config.self = config;
    type Config = { deep: { list: [Lock, { event: Event }] }; again: Lock; self: unknown };
    const t = new Thread({
      target: (c: Config, direct: Lock) => {
        const [l, { event: e }] = c.deep.list;
        if (l !== c.again || l !== direct) return 'not one instance';
        if (c.self !== c) return 'cycle lost';
        l.acquireSync();
        e.set();
        return 'ok';
      },
      args: [config as unknown as Config, lock],
    }).start();
    assert.equal(await t.result(), 'ok');
    assert.equal(lock.locked(), true, 'the lock taken in the thread is this lock');
    assert.equal(event.isSet(), true);
    assert.equal((config.deep as { list: unknown[] }).list[0], lock, "the caller's args are left as they were");
  });

  for (const Ctor of [Thread, Process]) {
    test(`${Ctor.name} - in a Map (keys and values), a Set and a class-instance field: shared, never {}`, T, async () => {
      class Holder {
        constructor(readonly event: Event) {}
      }
      const [inValue, inKey, inSet, inField] = [new Event(), new Event(), new Event(), new Event()];
      const lock = new Lock();
      const args: [Map<unknown, unknown>, Set<unknown>, Holder, { list: [Map<string, unknown>] }] = [
        new Map<unknown, unknown>([
          ['value', inValue],
          [inKey, 'key'],
        ]),
        new Set([inSet, lock]),
        new Holder(inField),
        { list: [new Map([['again', lock]])] },
      ];
      const t = new Ctor({
        target: (map: Map<unknown, unknown>, set: Set<unknown>, holder: { event: Event }, deep: { list: [Map<string, unknown>] }) => {
          const setAll = (values: Iterable<unknown>) => {
            // A plain-function target is sent as source: duck typing, not the test's classes.
            for (const each of values) if (typeof (each as Partial<Event>).set === 'function') (each as Event).set();
          };
          setAll(map.values());
          setAll(map.keys());
          setAll(set);
          if (typeof holder.event.set !== 'function') return `holder.event is ${JSON.stringify(holder.event)}`;
          holder.event.set();
          const locks = [...set].filter((each) => typeof (each as Partial<Lock>).acquireSync === 'function');
          return locks.length === 1 && deep.list[0].get('again') === locks[0] ? 'ok' : 'not one lock';
        },
        args,
      }).start();
      assert.equal(await t.result(), 'ok');
      for (const [name, event] of Object.entries({ inValue, inKey, inSet, inField })) assert.equal(event.isSet(), true, name);
      assert.equal(args[0].get('value'), inValue, "the caller's Map is left as it was");
    });
  }

  test('to many threads at once - they all see one object', T, async () => {
    const sem = new Semaphore(0);
    const threads = Array.from({ length: 4 }, () => new Thread({ target: (s: Semaphore) => s.release(), args: [sem] }).start());
    await Promise.all(threads.map((t) => t.result()));
    for (let i = 0; i < 4; i += 1) assert.equal(await sem.acquire(1000), true);
    assert.equal(sem.acquireSync(0), false);
  });

  test('a Thread subclass keeps a shared object in a field', T, async () => {
    class Setter extends Thread {
      event: Event;
      constructor(event: Event) {
        super();
        this.event = event;
      }
      override run(): void {
        this.event.set();
      }
    }
    const event = new Event();
    await new Setter(event).start().result();
    assert.equal(event.isSet(), true);
  });

  test('Process.start() - serves shared objects nested in args, repeated, and in a subclass field, to the child', T, async () => {
    const queue = new Queue<number>();
    const p = new Process({
      target: (n: number, o: { queue: Queue<number>; again: Queue<number> }) => {
        o.queue.putSync(n);
        return o.queue === o.again && o.again.getSync() === n;
      },
      args: [7, { queue, again: queue }],
    });
    assert.equal(await p.start().result(), true);
    class Setter extends Process {
      event: Event;
      constructor(event: Event) {
        super();
        this.event = event;
      }
      override run(): void {
        this.event.set();
      }
    }
    const event = new Event();
    await new Setter(event).start().result();
    assert.equal(event.isSet(), true);
    assert.equal(activeCount(), 0);
  });

  test(
    'objects passed to a thread never started, cancelled or terminated before it runs, or that ends at once - leak nothing',
    T,
    async () => {
      const before = blocksInUse();
      const objects = [new Lock(), new Queue(), new Event()];
      const never = new Thread({ target: (..._o: unknown[]) => 0, args: objects });
      void never;
      const cancelledFirst = new Thread({ target: (..._o: unknown[]) => 0, args: objects });
      cancelledFirst.cancel();
      cancelledFirst.start();
      const terminatedFirst = new Thread({ target: (..._o: unknown[]) => 0, args: objects }).start();
      const quick = new Thread({ target: (..._o: unknown[]) => 0, args: objects }).start();
      const waiter = new Thread({ target: (e: Event) => e.wait(10_000), args: [objects[2] as Event] }).start();
      await terminatedFirst.terminate();
      await quick.join();
      await waiter.terminate(); // terminated inside an async wait: its wait's block goes with it
      await cancelledFirst.join();
      assert.equal(blocksInUse(), before, 'wake-table blocks were left in use');
      // The objects still work.
      assert.equal(await (objects[0] as Lock).acquire(0), true);
    },
  );
});
