// pool.metrics() (API.md 11.2) on both pools: histogram counts, invariants, utilization, per-worker figures, reset, options.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Event, ProcessPoolExecutor, ThreadPoolExecutor, type Histogram } from 'threadkit';
import { guardPools, T, tracked } from '../support/guard.ts';
import { nap, setThenCheckpoint } from '../support/targets.ts';
import { Recorder } from '../../src/executor/histogram.ts';

/** The invariants of every histogram: integers, min <= p50 <= p90 <= p99 <= max, min <= mean <= max; all zeros when empty. */
function assertHistogram(h: Histogram, count: number): void {
  assert.equal(h.count, count);
  for (const v of Object.values(h)) assert.ok(Number.isInteger(v) && v >= 0, `${v} is a non-negative integer`);
  if (count === 0) return assert.deepEqual(h, { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 });
  assert.ok(h.min >= 1);
  assert.ok(h.min <= h.p50 && h.p50 <= h.p90 && h.p90 <= h.p99 && h.p99 <= h.max, JSON.stringify(h));
  assert.ok(h.min <= h.mean && h.mean <= h.max, JSON.stringify(h));
}

/** Whether this Node offers a worker thread's own CPU time (Node 24+). */
const THREAD_CPU = typeof (Worker.prototype as { cpuUsage?: unknown }).cpuUsage === 'function';

const POOLS = [
  { kind: 'thread', Ctor: ThreadPoolExecutor },
  { kind: 'process', Ctor: ProcessPoolExecutor },
] as const;

for (const { kind, Ctor } of POOLS) {
  describe(`${Ctor.name} - metrics()`, () => {
    guardPools();

    test('a new pool - empty histograms, utilization 0, no workers', T, async () => {
      const pool = tracked(new Ctor({ maxWorkers: 2 }));
      const m = await pool.metrics();
      for (const h of [m.waitTime, m.runTime, m.cancelLatency]) assertHistogram(h, 0);
      assert.equal(m.utilization, 0);
      assert.deepEqual(m.workers, []);
      assert.ok(m.since <= performance.now() && m.elapsedMs >= 0);
      await pool.shutdown();
    });

    test('after N tasks - waitTime and runTime count N, run times as slept, utilization > 0, tasks per worker sum to N', T, async () => {
      const pool = tracked(new Ctor({ maxWorkers: 2 }));
      await Promise.all([20, 20, 20, 20, 1, 1].map((ms) => pool.submit(nap, ms)));
      const m = await pool.metrics();
      assertHistogram(m.waitTime, 6);
      assertHistogram(m.runTime, 6);
      assertHistogram(m.cancelLatency, 0);
      assert.ok(m.runTime.max >= 19_000 && m.runTime.max < 5_000_000, `runTime.max ${m.runTime.max} µs`);
      assert.ok(m.runTime.min >= 900, `runTime.min ${m.runTime.min} µs`);
      assert.ok(m.utilization > 0 && m.utilization <= 1, `utilization ${m.utilization}`);
      assert.equal(m.workers.length, 2);
      assert.equal(
        m.workers.reduce((sum, w) => sum + w.tasks, 0),
        6,
      );
      for (const w of m.workers) {
        assert.match(w.name, new RegExp(`^${pool.name}_\\d$`));
        assert.ok(w.ident > 0);
        const own = kind === 'process' || THREAD_CPU;
        assert.equal('cpuUserUs' in w, own, `cpuUserUs present: ${own}`);
        assert.equal('cpuSystemUs' in w, own);
        if (own) assert.ok(w.cpuUserUs! >= 0 && w.cpuSystemUs! >= 0);
        if ('heapUsed' in w) assert.ok(w.heapUsed! > 0);
        if (kind === 'process') assert.ok(w.heapUsed! > 0);
      }
      await pool.shutdown();
    });

    test('{ reset: true } - returns the window, then a new one begins', T, async () => {
      const pool = tracked(new Ctor({ maxWorkers: 1 }));
      await Promise.all([1, 1, 1].map((ms) => pool.submit(nap, ms)));
      const first = await pool.metrics({ reset: true });
      assert.equal(first.runTime.count, 3);
      const second = await pool.metrics();
      assertHistogram(second.runTime, 0);
      assertHistogram(second.waitTime, 0);
      assert.equal(second.workers[0]?.tasks, 0);
      assert.ok(second.since >= first.since + first.elapsedMs - 1e-6);
      await pool.submit(nap, 1);
      assert.equal((await pool.metrics()).runTime.count, 1);
      await pool.shutdown();
    });

    test('cancelLatency - counts a task cancelled while running; one cancelled while queued counts nowhere', T, async () => {
      const pool = tracked(new Ctor({ maxWorkers: 1 }));
      const started = new Event();
      const running = pool.submit(setThenCheckpoint, started);
      const queued = pool.submit(nap, 1);
      await started.wait();
      queued.cancel();
      running.cancel();
      assert.equal((await running.stop()).status, 'cancelled');
      const m = await pool.metrics();
      assertHistogram(m.cancelLatency, 1);
      assertHistogram(m.waitTime, 1);
      assertHistogram(m.runTime, 1);
      await pool.shutdown();
    });

    test('bad options - TypeError at once; after shutdown, the last window and no workers', T, async () => {
      const pool = tracked(new Ctor({ maxWorkers: 1 }));
      assert.throws(() => pool.metrics({ bogus: true } as never), { name: 'TypeError', message: /Unknown option `bogus` for metrics\(\)/ });
      assert.throws(() => pool.metrics(null as never), TypeError);
      assert.throws(() => pool.metrics({ reset: 'yes' } as never), TypeError);
      await pool.submit(nap, 1);
      await pool.shutdown();
      const m = await pool.metrics();
      assert.equal(m.runTime.count, 1);
      assert.deepEqual(m.workers, []);
      assert.equal((await pool.metrics()).elapsedMs, m.elapsedMs);
    });
  });
}

describe('Recorder - the metrics histogram', () => {
  test('values under 1024 µs are exact; quantiles pick the rank; rounding keeps at least 1', () => {
    const r = new Recorder();
    for (let v = 1; v <= 100; v += 1) r.record(v);
    r.record(0.2);
    const h = r.summary();
    assert.deepEqual(h, { count: 101, min: 1, max: 100, mean: 50, p50: 50, p90: 90, p99: 99 });
  });

  test('large values keep 3 significant digits; min <= p50 <= p90 <= p99 <= max', () => {
    const r = new Recorder();
    for (let v = 1; v <= 100_000; v += 1) r.record(v * 37);
    const h = r.summary();
    assertHistogram(h, 100_000);
    for (const [q, p] of [
      [0.5, h.p50],
      [0.9, h.p90],
      [0.99, h.p99],
    ] as const) {
      const exact = q * 100_000 * 37;
      assert.ok(Math.abs(p - exact) / exact < 0.003, `p${q * 100} ${p} vs ${exact}`);
    }
    const huge = new Recorder();
    huge.record(5e9);
    huge.record(3e12);
    assertHistogram(huge.summary(), 2);
    assert.equal(huge.summary().max, 3e12);
  });
});
