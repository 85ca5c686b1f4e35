// The child watcher's frame parser (its source, as the watcher thread runs it) against control-frame.ts on the same bytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deserialize } from 'node:v8';
import { WATCHER_TAKE } from '../../../src/backend/entry/watcher.ts';
import { CANCEL, REASON } from '../../../src/memory/cancel-flag.ts';
import { FrameReader, encodeFrame } from '../../../src/wire/control-frame.ts';
import type { ControlFrame } from '../../../src/wire/protocol.ts';
import { random } from '../../support/seeded.ts';

/** The watcher's take(), compiled as the watcher compiles it, over a fresh flag and a port that records what it posts. */
function watcherTake(): { take: (chunk: Buffer) => void; flag: Int32Array; posted: unknown[] } {
  const flag = new Int32Array(new SharedArrayBuffer(4 * 4));
  const posted: unknown[] = [];
  const port = { postMessage: (message: unknown) => posted.push(message) };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the watcher is source text run in its own thread: this runs the same text.
  const make = new Function('flag', 'port', 'deserialize', `${WATCHER_TAKE}\nreturn take;`) as (
    ...scope: unknown[]
  ) => (chunk: Buffer) => void;
  return { take: make(flag, port, deserialize), flag, posted };
}

/** Random control frames: cancels with and without a reason, exit-called, bye. */
function frames(next: () => number, count: number): ControlFrame[] {
  const made: ControlFrame[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = 1 + Math.floor(next() * 1000);
    const pick = next();
    if (pick < 0.4) made.push({ kind: 'cancel', id, reason: `why ${i}`.repeat(1 + Math.floor(next() * 50)) });
    else if (pick < 0.6) made.push({ kind: 'cancel', id, reason: undefined });
    else if (pick < 0.9) made.push({ kind: 'exit-called', id, code: Math.floor(next() * 256) });
    else made.push({ kind: 'bye' });
  }
  return made;
}

test('WATCHER_TAKE - reads what encodeFrame() writes, in any chunking, as FrameReader does (seeded)', () => {
  const seed = Date.now() % 100_000;
  const next = random(seed);
  for (let round = 0; round < 50; round += 1) {
    const sent = frames(next, 1 + Math.floor(next() * 8));
    const bytes = Buffer.concat(sent.map((frame) => encodeFrame(frame)));
    const { take, flag, posted } = watcherTake();
    const reader = new FrameReader();
    const read: ControlFrame[] = [];
    for (let at = 0; at < bytes.length;) {
      const end = Math.min(bytes.length, at + 1 + Math.floor(next() * 40));
      const chunk = Buffer.from(bytes.subarray(at, end));
      take(chunk);
      read.push(...reader.push(Buffer.from(chunk)));
      at = end;
    }
    const where = `seed ${seed}, round ${round}`;
    assert.deepEqual(read, sent, `FrameReader: ${where}`);
    // The watcher posts the reason of each cancel that has one, and raises CANCEL and REASON for the last cancel.
    const cancels = sent.filter((frame) => frame.kind === 'cancel');
    assert.deepEqual(
      posted,
      cancels.filter((frame) => frame.reason !== undefined).map((frame) => ({ kind: 'cancel', id: frame.id, reason: frame.reason })),
      `watcher: ${where}`,
    );
    const last = cancels.at(-1);
    assert.equal(Atomics.load(flag, CANCEL), last?.id ?? 0, `CANCEL: ${where}`);
    assert.equal(Atomics.load(flag, REASON), last?.id ?? 0, `REASON: ${where}`);
  }
});

test('WATCHER_TAKE - raises the cancel flag as soon as the header is in, before the reason has arrived', () => {
  const { take, flag, posted } = watcherTake();
  const bytes = encodeFrame({ kind: 'cancel', id: 7, reason: 'a long reason '.repeat(100) });
  take(Buffer.from(bytes.subarray(0, 9)));
  assert.equal(Atomics.load(flag, CANCEL), 7, 'the flag is up after the header alone');
  assert.equal(Atomics.load(flag, REASON), 0, 'the reason has not been posted yet');
  assert.deepEqual(posted, []);
  take(Buffer.from(bytes.subarray(9)));
  assert.equal(Atomics.load(flag, REASON), 7);
  assert.equal(posted.length, 1);
});
