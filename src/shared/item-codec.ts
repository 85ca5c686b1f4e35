// A Queue item's bytes: a compact encoding for plain data (primitives, plain objects, dense arrays), v8's serializer for the rest.
//
// v8.serialize() costs microseconds per call for a small object (a native serializer object per
// item), which is most of a small item's trip through a Queue. So plain data is written by hand
// here, and only when the result is exactly what structured clone gives; anything else (a Date,
// a Map, a typed array, a class instance, a proxy, a BigInt, a holey array, an object reached
// twice, a string with a lone surrogate, ...) goes through v8.serialize() as before.
//
// Bytes: a tag, then the payload. V8: v8's format. PLAIN: one value, as
//   UNDEFINED | NULL | TRUE | FALSE | INT i32 | NUMBER f64 | ASCII u32 bytes | UTF8 u32 bytes |
//   OBJECT u32 count (key value)* | ARRAY u32 length value*
// (little endian; a key is written as an ASCII or UTF8 string).
//
// Why the result is the clone's: structured clone copies a plain object's own enumerable string
// keys (Object.keys order) with their values as [[Get]] reads them, and a dense array's elements;
// it gives -0, NaN and every string (well-formed here) back unchanged; it keeps the identity of an
// object reached twice (refused here: v8 then keeps it); the copy's prototype is Object.prototype
// or Array.prototype, which the fast path requires of the original too (so nothing with a
// different prototype, no proxy) and a key `__proto__` is refused (it would set the prototype).
// A getter that deletes a property not yet read: the clone skips it (checked here with hasOwn).
// The copy's properties are created (Object.fromEntries, Array.from), never assigned, as the clone's
// are, so a setter or a frozen Object.prototype changes nothing. Not the same: a getter of an item
// that needs v8's serializer after all runs twice (once here, once there).

import { deserialize, serialize } from 'node:v8';
import { types } from 'node:util';

const V8 = 0;
const PLAIN = 1;

const UNDEFINED = 0;
const NULL = 1;
const TRUE = 2;
const FALSE = 3;
const INT = 4;
const NUMBER = 5;
const ASCII = 6;
const UTF8 = 7;
const OBJECT = 8;
const ARRAY = 9;

/** Objects one item may hold on the fast path (the identity check is a linear search). */
const MAX_OBJECTS = 64;
const MAX_DEPTH = 32;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const encoder = new TextEncoder();

let out = new Uint8Array(1024);
let at = 0;
const seen: object[] = [];
/** Set while encoding: a getter that puts into a Queue meanwhile gets v8's serializer, not this state. */
let busy = false;

/** Thrown inside the fast encoder when the item needs v8's serializer (one instance: no stack captured per throw). */
const SLOW = new Error('threadkit: this item needs v8.serialize()');

function room(n: number): void {
  if (at + n <= out.length) return;
  let size = out.length * 2;
  while (size < at + n) size *= 2;
  const bigger = new Uint8Array(size);
  bigger.set(out.subarray(0, at));
  out = bigger;
}

function u32(v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
  at += 4;
}

function string(s: string): void {
  const n = s.length;
  room(5 + 3 * n);
  const start = at;
  out[at] = ASCII;
  at += 5;
  for (let i = 0; i < n; i += 1) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (!s.isWellFormed()) throw SLOW;
      at = start + 5;
      const { written } = encoder.encodeInto(s, out.subarray(at));
      out[start] = UTF8;
      at = start + 1;
      u32(written);
      at += written;
      return;
    }
    out[at + i] = c;
  }
  at = start + 1;
  u32(n);
  at += n;
}

function value(v: unknown, depth: number): void {
  switch (typeof v) {
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) {
        room(5);
        out[at] = INT;
        at += 1;
        u32(v);
      } else {
        room(9);
        out[at] = NUMBER;
        f64[0] = v;
        for (let i = 0; i < 8; i += 1) out[at + 1 + i] = f64Bytes[i]!;
        at += 9;
      }
      return;
    case 'string':
      string(v);
      return;
    case 'boolean':
      room(1);
      out[at++] = v ? TRUE : FALSE;
      return;
    case 'undefined':
      room(1);
      out[at++] = UNDEFINED;
      return;
    case 'object':
      if (v === null) {
        room(1);
        out[at++] = NULL;
        return;
      }
      object(v, depth);
      return;
    default:
      throw SLOW; // bigint, symbol, function: v8 clones or refuses them
  }
}

function object(o: object, depth: number): void {
  if (depth >= MAX_DEPTH || seen.length >= MAX_OBJECTS || seen.includes(o) || types.isProxy(o) || types.isArgumentsObject(o)) throw SLOW;
  seen.push(o);
  const proto = Object.getPrototypeOf(o) as unknown;
  if (proto === Array.prototype && Array.isArray(o)) {
    const a = o as unknown[];
    const length = a.length;
    if (Object.keys(a).length !== length) throw SLOW; // holes, or named properties too
    room(5);
    out[at++] = ARRAY;
    u32(length);
    for (let i = 0; i < length; i += 1) {
      const item = a[i];
      if (item === undefined && !Object.hasOwn(a, i)) throw SLOW; // a getter deleted it
      value(item, depth + 1);
    }
    return;
  }
  if (proto !== Object.prototype) throw SLOW;
  const keys = Object.keys(o);
  room(5);
  const countAt = at + 1;
  out[at++] = OBJECT;
  at += 4;
  let count = 0;
  for (const key of keys) {
    if (key === '__proto__') throw SLOW;
    const item = (o as Record<string, unknown>)[key];
    if (item === undefined && !Object.hasOwn(o, key)) continue; // a getter deleted it: the clone skips it
    string(key);
    value(item, depth + 1);
    count += 1;
  }
  const end = at;
  at = countAt;
  u32(count);
  at = end;
}

/**
 * The bytes of `item` (a fresh array), or undefined when it needs v8's serializer (`encodeV8`).
 * Throws only what a getter of the item throws.
 */
export function encodePlain(item: unknown): Uint8Array | undefined {
  if (busy) return undefined;
  busy = true;
  at = 0;
  seen.length = 0;
  try {
    room(1);
    out[at++] = PLAIN;
    value(item, 0);
  } catch (error) {
    if (error === SLOW) return undefined;
    throw error;
  } finally {
    seen.length = 0;
    busy = false;
  }
  return out.slice(0, at);
}

/**
 * The bytes of `item` by v8's serializer.
 * @throws what v8.serialize() throws (the item cannot be cloned).
 */
export function encodeV8(item: unknown): Uint8Array {
  const body = serialize(item);
  const bytes = new Uint8Array(body.length + 1);
  bytes[0] = V8;
  bytes.set(body, 1);
  return bytes;
}

let input = Buffer.alloc(1024);
let bytes: Buffer = input;
let pos = 0;

/** A reusable buffer of `length` bytes to copy a record into, for `decode` (valid until the next call). */
export function scratch(length: number): Uint8Array {
  if (input.length < length) input = Buffer.alloc(Math.max(length, 2 * input.length));
  return length === input.length ? input : input.subarray(0, length);
}

function readU32(): number {
  const v = (bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24)) >>> 0;
  pos += 4;
  return v;
}

function readString(): string {
  const tag = bytes[pos++];
  const n = readU32();
  const s = bytes.toString(tag === ASCII ? 'latin1' : 'utf8', pos, pos + n);
  pos += n;
  return s;
}
function read(): unknown {
  const tag = bytes[pos]!;
  switch (tag) {
    case UNDEFINED:
      pos += 1;
      return undefined;
    case NULL:
      pos += 1;
      return null;
    case TRUE:
      pos += 1;
      return true;
    case FALSE:
      pos += 1;
      return false;
    case INT: {
      pos += 1;
      return readU32() | 0;
    }
    case NUMBER:
      for (let i = 0; i < 8; i += 1) f64Bytes[i] = bytes[pos + 1 + i]!;
      pos += 9;
      return f64[0];
    case ASCII:
    case UTF8:
      return readString();
    case ARRAY: {
      pos += 1;
      const length = readU32();
      return Array.from({ length }, read); // CreateDataProperty, as the clone: no setter or frozen prototype interferes
    }
    default: {
      pos += 1;
      const count = readU32();
      const entries: [string, unknown][] = [];
      for (let i = 0; i < count; i += 1) {
        const key = readString();
        entries.push([key, read()]);
      }
      return Object.fromEntries(entries); // CreateDataProperty, as the clone: no setter or frozen prototype interferes
    }
  }
}

/** The item back from its bytes (either encoding; `data` from `scratch`, or any Uint8Array). */
export function decode(data: Uint8Array): unknown {
  if (data[0] === V8) return deserialize(data.subarray(1));
  bytes = data instanceof Buffer ? (data as Buffer) : Buffer.from(data.buffer, data.byteOffset, data.length);
  pos = 1;
  return read();
}
