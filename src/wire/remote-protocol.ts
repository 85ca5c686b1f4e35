// The served-objects channel between a Process and its parent: its messages, its frames, and the methods each kind may call.
//
// A Process whose args hold shared objects gets one more socket, fd SERVE_FD (separate from the
// control socket fd 4, so the cancel path stays exactly as it was and a ProcessPoolExecutor can
// reuse the child entry unchanged). The child's main thread writes requests with a blocking
// writeSync (it may block right after), a reader thread in the child (remote-reader.ts) reads the
// replies with a blocking readSync, so a reply reaches a main thread blocked in a wait.
//
// Frame (both ways): u32 length (LE), a format byte, then the message: as JSON when every value in
// it survives JSON unchanged (primitives, plain objects and arrays of them: most calls and
// replies), else v8-serialized (structured clone: Dates, Maps, ...); v8.serialize costs about
// 5 µs a call, JSON well under 1. Every `call` gets exactly
// one `reply`; an `abort` (the child was cancelled while the call waits) only hurries it: the
// reply is then the call's result if it completed first, else its CancelledError. So no item
// taken by a get is ever lost: it is in the reply, or still in the queue.

import { deserialize, serialize } from 'node:v8';
import { assertNever, type Kind, type SerializedThrown } from './protocol.js';

/** The descriptor of the served-objects socket in the child. */
export const SERVE_FD = 5;

/** Child -> parent. */
export type ToServer =
  /** Run `method` of served object `object` with `args` (an async method: awaited in the parent). */
  | { kind: 'call'; id: number; object: number; method: string; args: unknown[] }
  /** The child gave call `id` up (cancelled): end its wait now, still answering it. */
  | { kind: 'abort'; id: number };

/** Parent -> child. */
export type FromServer =
  { kind: 'reply'; id: number; ok: true; value: unknown } | { kind: 'reply'; id: number; ok: false; error: SerializedThrown };

/** What the child learns of each served object in its marker, besides its id. */
export interface RemoteMarker {
  readonly id: number;
  /** Constants of the object (a Queue's maxSize/maxBytes, a Barrier's parties). */
  readonly constants: Record<string, number>;
}

/**
 * The methods the server runs for each kind: the async twin of every wait (the child blocks, the
 * parent never does), and the plain methods and getters. Anything else is refused.
 */
export const SERVED_METHODS: Record<Kind, readonly string[]> = {
  Event: ['set', 'clear', 'isSet', 'wait'],
  Lock: ['acquire', 'release', 'locked'],
  RLock: ['acquire', 'release', 'locked'],
  Semaphore: ['acquire', 'release'],
  BoundedSemaphore: ['acquire', 'release'],
  Condition: ['acquire', 'release', 'wait', 'notify', 'notifyAll'],
  Barrier: ['wait', 'reset', 'abort', 'parties', 'nWaiting', 'broken'],
  Queue: ['put', 'get', 'putNowait', 'getNowait', 'size', 'empty', 'full', 'taskDone', 'join', 'shutdown'],
};

const V8 = 0;
const JSON_FORMAT = 1;
/** Bytes of a frame's length prefix (u32 LE, the body's length); remote-reader.ts's script takes it from here. */
export const LENGTH_BYTES = 4;

/** One frame: u32 length (LE), the format byte, then `message` (see the header). */
export function frame(message: ToServer | FromServer): Buffer {
  const json = jsonSafeMessage(message);
  const body = json ? Buffer.from(JSON.stringify(message)) : serialize(message);
  const bytes = Buffer.allocUnsafe(LENGTH_BYTES + 1 + body.length);
  bytes.writeUInt32LE(body.length + 1, 0);
  bytes[LENGTH_BYTES] = json ? JSON_FORMAT : V8;
  body.copy(bytes, LENGTH_BYTES + 1);
  return bytes;
}

/** The message in a frame's body (what follows its length). */
export function parseBody<M extends ToServer | FromServer>(body: Uint8Array): M {
  const rest = body.subarray(1);
  return (
    body[0] === JSON_FORMAT ? JSON.parse(Buffer.from(rest.buffer, rest.byteOffset, rest.length).toString('utf8')) : deserialize(rest)
  ) as M;
}

function jsonSafeMessage(message: ToServer | FromServer): boolean {
  switch (message.kind) {
    case 'abort':
      return true;
    case 'call':
      return message.args.every((arg) => jsonSafe(arg, 0));
    case 'reply':
      // A value of undefined is left out by JSON and reads back as undefined: the same.
      return message.ok ? message.value === undefined || jsonSafe(message.value, 0) : false;
    default:
      return assertNever(message);
  }
}

/** Whether JSON carries `value` exactly as structured clone would. */
function jsonSafe(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || depth > 8) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const array = value as unknown[];
    for (let i = 0; i < array.length; i += 1) if (!(i in array) || !jsonSafe(array[i], depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || !jsonSafe((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** Splits a byte stream into frame bodies. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  /** Adds `chunk`; returns the bodies of the frames it completed. */
  push(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const bodies: Buffer[] = [];
    while (this.#pending.length >= LENGTH_BYTES) {
      const size = this.#pending.readUInt32LE(0);
      if (this.#pending.length < LENGTH_BYTES + size) break;
      bodies.push(this.#pending.subarray(LENGTH_BYTES, LENGTH_BYTES + size));
      this.#pending = this.#pending.subarray(LENGTH_BYTES + size);
    }
    return bodies;
  }
}
