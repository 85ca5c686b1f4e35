// Queue items: what comes out of a Queue is exactly what structured clone gives, for the hand-written plain-data encoding and its fallbacks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Queue, TaskError } from 'threadkit';
import { guardThreads, T } from '../support/guard.ts';
import { random } from '../support/seeded.ts';

guardThreads();

/** Puts `item` and takes it back out. */
function roundTrip(item: unknown): unknown {
  const q = new Queue({ maxBytes: 1024 * 1024 });
  q.putNowait(item);
  return q.getNowait();
}

/** Asserts the copy equals structured clone's, prototypes and own property order included. */
function assertClone(item: unknown, label = ''): void {
  const copy = roundTrip(item);
  const expected = structuredClone(item);
  assert.deepStrictEqual(copy, expected, label);
  const shape = (v: unknown): unknown =>
    typeof v === 'object' && v !== null
      ? [
          Object.getPrototypeOf(v) === Object.prototype,
          Object.getPrototypeOf(v) === Array.prototype,
          Reflect.ownKeys(v),
          ...Object.values(v).map(shape),
        ]
      : Object.is(v, -0)
        ? '-0'
        : typeof v;
  assert.deepStrictEqual(shape(copy), shape(expected), `${label}: shape`);
}

const STRINGS = ['', 'a', 'item-1', 'héllo', '日本語', '😀', 'a\uD800b', '\uDC00', 'x'.repeat(300), 'é'.repeat(1000), '\0'];
const NUMBERS = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 0.5, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE];

function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.5) {
    const k = Math.floor(next() * 8);
    if (k === 0) return STRINGS[Math.floor(next() * STRINGS.length)];
    if (k === 1) return NUMBERS[Math.floor(next() * NUMBERS.length)];
    if (k === 2) return [true, false, null, undefined][Math.floor(next() * 4)];
    if (k === 3) return BigInt(Math.floor(next() * 1000));
    if (k === 4) return new Date(Math.floor(next() * 1e12));
    if (k === 5) return Math.floor(next() * 1e6) - 5e5;
    return `s${Math.floor(next() * 1000)}`;
  }
  if (r < 0.75) {
    const o: Record<string, unknown> = {};
    const keys = Math.floor(next() * 5);
    for (let i = 0; i < keys; i += 1)
      o[next() < 0.2 ? String(Math.floor(next() * 10)) : STRINGS[Math.floor(next() * 6)]! + i] = randomValue(next, depth + 1);
    return o;
  }
  const a: unknown[] = [];
  const length = Math.floor(next() * 5);
  for (let i = 0; i < length; i += 1) a.push(randomValue(next, depth + 1));
  if (next() < 0.1) a.length += 2; // holes
  return a;
}

describe('Queue items', () => {
  test('put/get - primitives, strings (lone surrogates included) and -0 come out as structured clone gives them', T, () => {
    for (const item of [...STRINGS, ...NUMBERS, true, false, null, undefined, 10n]) assertClone(item, String(item));
  });

  test('put/get - plain objects and arrays come out as structured clone gives them', T, () => {
    assertClone({ id: 1, name: 'item-1' });
    assertClone({ b: 1, a: 2, 10: 'x', 2: 'y' }, 'integer keys first');
    assertClone([1, 'two', { three: [3] }, [], {}]);
    assertClone([1, , 3], 'a hole'); // eslint-disable-line no-sparse-arrays
    assertClone(Object.assign([1, 2], { extra: true }), 'an array with a named property');
    assertClone(Object.create(null), 'a null prototype');
    assertClone(JSON.parse('{"__proto__": {"x": 1}}') as object, 'an own __proto__ key');
    const shared = { s: 1 };
    const copy = roundTrip({ a: shared, b: shared }) as { a: object; b: object };
    assert.equal(copy.a, copy.b, 'an object reached twice stays one object');
    const cycle: Record<string, unknown> = { name: 'cycle' };
    cycle.self = cycle;
    const back = roundTrip(cycle) as Record<string, unknown>;
    assert.equal(back.self, back, 'a cycle stays a cycle');
    assertClone(
      new (class Point {
        x = 1;
      })(),
      'a class instance',
    );
    assertClone({ d: new Date(0), m: new Map([[1, 2]]), u: new Uint8Array([1, 2]) });
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 100; i += 1) at = at.next = {};
    assertClone(deep, '100 levels deep');
  });

  test('put/get - getters run once, deleted properties are skipped, as structured clone does', T, () => {
    let reads = 0;
    const item = {
      get a() {
        reads += 1;
        delete (item as { b?: number }).b;
        return 1;
      },
      b: 2,
      c: 3,
    };
    assert.deepEqual(roundTrip(item), { a: 1, c: 3 });
    assert.equal(reads, 1);
  });

  test('put - what structured clone refuses is refused with a TaskError; nothing is put', T, () => {
    const q = new Queue();
    const args = (function (..._: unknown[]) {
      return arguments; // eslint-disable-line prefer-rest-params
    })(1, 2);
    const throwing = {
      get boom(): number {
        throw new Error('boom');
      },
    };
    for (const item of [{ f: () => 1 }, [Symbol('s')], new Proxy({}, {}), args, throwing]) {
      assert.throws(() => q.putNowait(item), TaskError);
    }
    assert.equal(q.size, 0);
  });

  test('put/get - 5000 random values come out as structured clone gives them', T, () => {
    const seed = Number(process.env.THREADKIT_SEED ?? Date.now() % 1e9);
    const next = random(seed);
    for (let i = 0; i < 5000; i += 1) {
      const item = randomValue(next, 0);
      assertClone(item, `seed ${seed}, value ${i}`);
    }
  });
});
