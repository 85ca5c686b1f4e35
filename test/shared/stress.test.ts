// A seeded storm: threads hammer one Lock, one Semaphore and one Queue with random timeouts while the test cancels them at random.
//
// Checks what the contract promises: the count under the Lock is exact, the Semaphore never lets
// more in than its value, no Queue item is lost or delivered twice, nothing deadlocks, and every
// waiter is woken. THREADKIT_SEED replays a run; THREADKIT_STRESS_MS runs longer (default 2000).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lock, Queue, Semaphore, Thread } from 'threadkit';
import { guardThreads } from '../support/guard.ts';
import { random } from '../support/seeded.ts';

guardThreads();

const SEED = Number(process.env.THREADKIT_SEED ?? Date.now() % 1_000_000);
const DURATION = Number(process.env.THREADKIT_STRESS_MS ?? 2000);
const WORKERS = 4;
const IDS = 1 << 20;

/** Shared counters, one Int32Array each. */
interface Board {
  /** [0] the count under the lock (plain read-modify-write), [1] threads inside the semaphore, [2] the most seen inside, [3] stop, [4] next id */
  state: Int32Array;
  /** [w] lock acquisitions of worker slot w */
  locked: Int32Array;
  /** put[id] = 1 once the put of id returned */
  put: Int32Array;
  /** seen[id] += 1 for each get that returned id */
  seen: Int32Array;
}

/** One worker: random operations with random timeouts until told to stop, or cancelled. */
function worker(lock: Lock, sem: Semaphore, queue: Queue<number>, board: Board, slot: number, seed: number): string {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const timeouts = [0, 0, 1, 2, 5, Infinity];
  const { state, locked, put, seen } = board;
  while (Atomics.load(state, 3) === 0) {
    const timeout = timeouts[Math.floor(rand() * timeouts.length)];
    const op = Math.floor(rand() * 4);
    if (op === 0) {
      if (lock.acquireSync(timeout)) {
        const v = state[0]!;
        state[0] = v + 1;
        Atomics.add(locked, slot, 1);
        lock.release();
      }
    } else if (op === 1) {
      if (sem.acquireSync(timeout)) {
        const inside = Atomics.add(state, 1, 1) + 1;
        for (;;) {
          const most = Atomics.load(state, 2);
          if (inside <= most || Atomics.compareExchange(state, 2, most, inside) === most) break;
        }
        Atomics.sub(state, 1, 1);
        sem.release();
      }
    } else if (op === 2) {
      const id = Atomics.add(state, 4, 1);
      try {
        queue.putSync(id, timeout);
        Atomics.store(put, id, 1);
      } catch (error) {
        if ((error as Error).name !== 'TimeoutError') throw error;
      }
    } else {
      try {
        Atomics.add(seen, queue.getSync(timeout), 1);
      } catch (error) {
        if ((error as Error).name !== 'TimeoutError') throw error;
      }
    }
  }
  return 'stopped';
}

test(
  `storm - Lock, Semaphore and Queue under random timeouts and cancels (THREADKIT_SEED=${SEED})`,
  { timeout: DURATION + 60_000 },
  async (t) => {
    const rand = random(SEED);
    const lock = new Lock();
    const sem = new Semaphore(2);
    const queue = new Queue<number>({ maxSize: 4, maxBytes: 256 });
    const slots = 1024;
    const board: Board = {
      state: new Int32Array(new SharedArrayBuffer(4 * 8)),
      locked: new Int32Array(new SharedArrayBuffer(4 * slots)),
      put: new Int32Array(new SharedArrayBuffer(4 * IDS)),
      seen: new Int32Array(new SharedArrayBuffer(4 * IDS)),
    };
    let started = 0;
    const spawn = () => new Thread({ target: worker, args: [lock, sem, queue, board, started++, Math.floor(rand() * 2 ** 31)] }).start();
    const live = new Set(Array.from({ length: WORKERS }, spawn));
    const ended: Thread[] = [];
    let cancels = 0;
    try {
      const until = performance.now() + DURATION;
      while (performance.now() < until && started < slots - WORKERS) {
        await new Promise((resolve) => setTimeout(resolve, 10 + rand() * 90));
        // Cancel a worker that is running its loop (one still starting would only end before it began).
        const running = [...live].filter((t) => t.state === 'running');
        if (running.length === 0) continue;
        const victim = running[Math.floor(rand() * running.length)]!;
        victim.cancel();
        cancels += 1;
        live.delete(victim);
        ended.push(victim);
        live.add(spawn());
      }
      Atomics.store(board.state, 3, 1);
      // Workers blocked forever in a queue wait are woken by the shutdown; the others see the stop flag.
      queue.shutdown();
      const all = [...ended, ...live];
      for (const w of all) {
        assert.equal(await w.join(10_000), true, `${w.name} did not end: a deadlock or a lost wake-up`);
        const status = w.outcome?.status;
        if (status === 'failed') {
          const error = (w.outcome as { error: unknown }).error as Error;
          assert.ok(error.name === 'QueueShutDownError', `${w.name} failed: ${error.stack}`);
        } else {
          assert.ok(status === 'completed' || status === 'cancelled', `${w.name}: ${status}`);
        }
      }
      // Drain what is left, then check every item.
      for (;;) {
        try {
          Atomics.add(board.seen, queue.getNowait(), 1);
        } catch {
          break;
        }
      }
      const ids = Atomics.load(board.state, 4);
      let delivered = 0;
      for (let id = 0; id < ids; id += 1) {
        assert.equal(board.seen[id], board.put[id], `item ${id}: put ${board.put[id]} time(s), got ${board.seen[id]} time(s)`);
        delivered += board.seen[id]!;
      }
      const acquisitions = board.locked.reduce((sum, n) => sum + n, 0);
      assert.equal(board.state[0], acquisitions, 'the count under the Lock is not exact');
      assert.ok(board.state[2]! <= 2, `${board.state[2]} threads were inside a Semaphore(2)`);
      assert.equal(lock.locked(), false);
      assert.equal(sem.acquireSync(0) && sem.acquireSync(0) && !sem.acquireSync(0), true, 'the semaphore is back at 2');
      t.diagnostic(
        `seed ${SEED}: ${acquisitions} lock acquisitions, ${delivered} items delivered of ${ids} tried, ${cancels} cancels, ${started} threads`,
      );
      assert.ok(
        acquisitions > 0 && delivered > 0 && cancels > 0,
        `a storm that did nothing: ${acquisitions} locks, ${delivered} items, ${cancels} cancels`,
      );
    } catch (error) {
      throw new Error(`storm failed with THREADKIT_SEED=${SEED}: ${(error as Error).message}`, { cause: error });
    } finally {
      Atomics.store(board.state, 3, 1);
      await Promise.all([...live, ...ended].map((w) => w.terminate()));
    }
  },
);
