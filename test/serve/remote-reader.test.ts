// The served-objects reader's frame splitter (its source, as the reader thread runs it) against remote-protocol.ts on the same bytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { READER_TAKE } from '../../src/serve/remote-reader.ts';
import { WAKE } from '../../src/memory/wake-table.ts';
import { FrameReader, frame, parseBody } from '../../src/wire/remote-protocol.ts';
import type { FromServer } from '../../src/wire/remote-protocol.ts';
import { random } from '../support/seeded.ts';

test('READER_TAKE - splits what frame() writes, in any chunking, as FrameReader does, and bumps WAKE per frame (seeded)', () => {
  const seed = Date.now() % 100_000;
  const next = random(seed);
  for (let round = 0; round < 50; round += 1) {
    // Replies in both formats: JSON-safe values and values only v8 carries (a Map, a bigint).
    const sent: FromServer[] = Array.from({ length: 1 + Math.floor(next() * 8) }, (_, i) => ({
      kind: 'reply',
      id: i,
      ok: true,
      value: next() < 0.5 ? { text: 'x'.repeat(Math.floor(next() * 300)), n: i } : new Map([[i, BigInt(i)]]),
    }));
    const bytes = Buffer.concat(sent.map((message) => frame(message)));
    const wake = new Int32Array(new SharedArrayBuffer(4 * (WAKE + 1)));
    const bodies: Uint8Array[] = [];
    const port = { postMessage: (body: Uint8Array) => bodies.push(body) };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the reader is source text run in its own thread: this runs the same text.
    const take = (new Function('port', 'wake', `${READER_TAKE}\nreturn take;`) as (...scope: unknown[]) => (chunk: Uint8Array) => void)(
      port,
      wake,
    );
    const reader = new FrameReader();
    const split: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      const end = Math.min(bytes.length, at + 1 + Math.floor(next() * 64));
      take(bytes.subarray(at, end));
      split.push(...reader.push(Buffer.from(bytes.subarray(at, end))));
      at = end;
    }
    const where = `seed ${seed}, round ${round}`;
    assert.deepEqual(
      bodies.map((body) => parseBody(body)),
      sent,
      `reader: ${where}`,
    );
    assert.deepEqual(
      split.map((body) => parseBody(body)),
      sent,
      `FrameReader: ${where}`,
    );
    assert.equal(Atomics.load(wake, WAKE), sent.length, `one WAKE bump per frame: ${where}`);
  }
});
