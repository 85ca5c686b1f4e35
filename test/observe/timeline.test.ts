// startTimeline() (API.md 11.3): the Trace Event file's tracks, slices, flows bound to their slices, instants; and its SVG Gantt chart.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { threadId } from 'node:worker_threads';
import { Event, Thread, ThreadPoolExecutor, startTimeline, timelineSvg, type Trace, type TraceEvent } from 'threadkit';
import { guardPools, T, tracked } from '../support/guard.ts';
import { nap, setThenCheckpoint } from '../support/targets.ts';

/** The slice (ph X) on `e`'s track whose span holds e.ts: what Perfetto binds a flow event to. */
function enclosing(trace: Trace, e: TraceEvent, filter: (s: TraceEvent) => boolean = () => true): TraceEvent | undefined {
  return trace.traceEvents.find(
    (s) => s.ph === 'X' && s.pid === e.pid && s.tid === e.tid && s.ts! <= e.ts! && e.ts! <= s.ts! + s.dur! && filter(s),
  );
}

/** Checks that `svg` is well-formed XML (balanced tags, quoted attributes, escaped text); returns its elements' names. */
function wellFormed(svg: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(at, m.index);
    assert.doesNotMatch(text, /[<>]|&(?!#\d+;|amp;|lt;|gt;|quot;)/, `raw markup in text: ${text}`);
    at = m.index + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClosing) stack.push(name!);
    if (!closing) seen.push(name!);
  }
  assert.equal(svg.slice(at).trim(), '');
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(seen[0], 'svg');
  return seen;
}

describe('startTimeline()', () => {
  guardPools();

  test('a pool and a Thread - tracks, one slice per run, submit slices with flows bound to both slices, cancel instants', T, async () => {
    const rec = startTimeline();
    const other = startTimeline();
    const pool = tracked(new ThreadPoolExecutor({ maxWorkers: 2, name: 'tl' }));
    const started = new Event();
    const loop = pool.run(setThenCheckpoint, [started], { name: 'loop' });
    const naps = [5, 5, 5].map((ms) => pool.submit(nap, ms));
    const thread = new Thread({ target: () => 7, name: 'lone' }).start();
    await started.wait();
    loop.cancel('enough');
    await Promise.all([loop.stop(), ...naps, thread.join()]);
    const queued = pool.submit(nap, 1);
    const blockers = [new Event(), new Event()];
    const busy = blockers.map((b) => pool.run(setThenCheckpoint, [b]));
    const waiting = pool.run(nap, [1], { name: 'never' });
    waiting.cancel({ why: 'not needed' });
    await queued;
    await Promise.all(blockers.map((b) => b.wait()));
    // A worker thread claims its task in shared memory: this side learns it began when it looks (here), and publishes `start`.
    assert.deepEqual(
      busy.map((f) => f.state),
      ['running', 'running'],
    );
    const trace = rec.stop();
    assert.equal(rec.stop(), trace, 'stop() is idempotent');
    for (const f of busy) f.cancel();
    await Promise.all(busy.map((f) => f.stop()));
    await pool.shutdown();
    other.stop();

    assert.deepEqual(JSON.parse(JSON.stringify(trace)), trace);
    assert.equal(trace.displayTimeUnit, 'ms');
    assert.ok(trace.otherData.startedAt < trace.otherData.stoppedAt);
    for (const e of trace.traceEvents) {
      assert.equal(typeof e.name, 'string');
      assert.ok(Number.isInteger(e.pid) && Number.isInteger(e.tid), JSON.stringify(e));
      if (e.ph !== 'M') assert.ok(Number.isFinite(e.ts), JSON.stringify(e));
    }
    const runs = trace.traceEvents.filter((e) => e.ph === 'X' && e.args?.phase !== 'submit');
    const byName = (name: string) => runs.filter((e) => e.name === name);
    assert.equal(byName('loop').length, 1);
    assert.equal(byName('lone').length, 1);
    assert.equal(byName('never').length, 0, 'a run that never began has no slice');
    assert.deepEqual(byName('loop')[0]!.args, { id: byName('loop')[0]!.args!.id, kind: 'pool-task', status: 'cancelled', executor: 'tl' });
    assert.equal(byName('lone')[0]!.cat, 'thread');
    assert.equal(byName('lone')[0]!.tid, thread.ident);
    // The two tasks still running at stop() are drawn up to it.
    assert.equal(runs.filter((e) => e.args!.status === 'running').length, 2);
    assert.equal(runs.filter((e) => e.cat === 'pool-task').length, 1 + 3 + 1 + 2);
    // Tracks: thread_name for each (workers, the Thread, main), process_name for this process.
    const threadNames = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
    assert.deepEqual(new Set(threadNames), new Set(['tl_0', 'tl_1', 'lone', threadId === 0 ? 'main' : `thread ${threadId}`]));
    assert.equal(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').length, 1);
    // Slices on one track never overlap.
    for (const key of new Set(runs.map((e) => `${e.pid}:${e.tid}`))) {
      const sorted = runs.filter((e) => `${e.pid}:${e.tid}` === key).sort((a, b) => a.ts! - b.ts!);
      for (let i = 1; i < sorted.length; i += 1) assert.ok(sorted[i]!.ts! >= sorted[i - 1]!.ts! + sorted[i - 1]!.dur!);
    }
    // Flows: s on the submitting thread inside its submit slice, f (bp e) at the run's slice start inside it; one pair per run that began.
    const starts = trace.traceEvents.filter((e) => e.ph === 's');
    const finishes = trace.traceEvents.filter((e) => e.ph === 'f');
    assert.equal(starts.length, runs.length);
    for (const s of starts) {
      assert.equal(s.tid, threadId);
      const submit = enclosing(trace, s, (x) => x.args?.phase === 'submit');
      assert.match(submit?.name ?? '', /^submit /);
      assert.equal(submit?.ts, s.ts);
      assert.equal(submit?.cat, s.cat, 'a flow event has the cat of the slice it binds to');
      const f = finishes.find((e) => e.id === s.id && e.cat === s.cat && e.name === s.name);
      assert.equal(f?.bp, 'e');
      const slice = enclosing(trace, f, (x) => x.args?.phase !== 'submit');
      assert.equal(slice?.cat, f.cat);
      assert.equal(slice?.args?.id, s.id);
      assert.equal(slice?.ts, f.ts);
    }
    // Cancel instants: inside the running run's slice on its worker's track; on this thread's for the queued one.
    const cancels = trace.traceEvents.filter((e) => e.ph === 'i' && e.name === 'cancel');
    const onLoop = cancels.find((e) => e.args!.task === 'loop')!;
    assert.deepEqual(onLoop.args, { id: byName('loop')[0]!.args!.id, task: 'loop', reason: 'enough' });
    assert.equal(onLoop.s, 't');
    assert.equal(enclosing(trace, onLoop)?.name, 'loop');
    const onNever = cancels.find((e) => e.args!.task === 'never')!;
    assert.equal(onNever.args!.reason, '{"why":"not needed"}');
    assert.equal(onNever.tid, threadId);
    assert.equal(trace.traceEvents.filter((e) => e.name === 'submit never').length, 1);
    // The SVG: well-formed, one bar per run slice, a mark per cancel.
    const svg = timelineSvg(trace);
    const elements = wellFormed(svg);
    assert.equal(elements.filter((name) => name === 'rect').length >= runs.length, true);
    assert.equal(svg.match(/<rect class="bar"/g)?.length, runs.length);
    assert.equal(svg.match(/<path class="cancel"/g)?.length, cancels.length);
  });

  test(
    'write() - writes the JSON and resolves with the same object; an unwritable path rejects with the fs error, after stopping',
    T,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'threadkit-tl-'));
      try {
        const rec = startTimeline();
        await new Thread({ target: () => 1, name: 'written' }).start().join();
        const trace = await rec.write(join(dir, 'trace.json'));
        assert.deepEqual(JSON.parse(await readFile(join(dir, 'trace.json'), 'utf8')), trace);
        assert.equal(rec.stop(), trace);
        const bad = startTimeline();
        await assert.rejects(bad.write(join(dir, 'missing', 'trace.json')), { code: 'ENOENT' });
        await new Thread({ target: () => 1, name: 'after' }).start().join();
        assert.equal(bad.stop().traceEvents.filter((e) => e.name === 'after').length, 0, 'nothing is recorded after stop()');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  test('timelineSvg() - an empty trace is a well-formed SVG with no bar; names are escaped', () => {
    const empty = timelineSvg({ traceEvents: [], displayTimeUnit: 'ms', otherData: { startedAt: 0, stoppedAt: 1, recorder: 'threadkit' } });
    wellFormed(empty);
    assert.equal(empty.includes('class="bar"'), false);
    const odd = timelineSvg({
      traceEvents: [
        { name: 'thread_name', ph: 'M', pid: 1, tid: 2, args: { name: '<w&"1">' } },
        { name: 'a<b>&c', cat: 'pool-task', ph: 'X', pid: 1, tid: 2, ts: 10, dur: 5, args: { status: 'failed' } },
      ],
      displayTimeUnit: 'ms',
      otherData: { startedAt: 0, stoppedAt: 20, recorder: 'threadkit' },
    });
    wellFormed(odd);
    assert.equal(odd.match(/class="bar"/g)?.length, 1);
  });
});
