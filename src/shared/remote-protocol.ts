// The served-objects channel between a Process and its parent: its messages, its frames, and the methods each kind may call.
//
// A Process whose args hold shared objects gets one more socket, fd SERVE_FD (separate from the
// control socket fd 4, so the cancel path stays exactly as it was and a ProcessPoolExecutor can
// reuse the child entry unchanged). The child's main thread writes requests with a blocking
// writeSync (it may block right after), a reader thread in the child (remote.ts) reads the
// replies with a blocking readSync, so a reply reaches a main thread blocked in a wait.
//
// Frame (both ways): u32 length (LE), then the message, v8-serialized. Every `call` gets exactly
// one `reply`; an `abort` (the child was cancelled while the call waits) only hurries it: the
// reply is then the call's result if it completed first, else its CancelledError. So no item
// taken by a get is ever lost: it is in the reply, or still in the queue.

import { serialize } from 'node:v8';
import type { SerializedThrown } from '../internal/protocol.js';
import type { Kind } from './brand.js';

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
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: SerializedThrown };

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

/** One frame: u32 length (LE), then `message` serialized. */
export function frame(message: ToServer | FromServer): Buffer {
  const body = serialize(message);
  const bytes = Buffer.allocUnsafe(4 + body.length);
  bytes.writeUInt32LE(body.length, 0);
  body.copy(bytes, 4);
  return bytes;
}

/** Splits a byte stream into frame bodies. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  /** Adds `chunk`; returns the bodies of the frames it completed. */
  push(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const bodies: Buffer[] = [];
    while (this.#pending.length >= 4) {
      const size = this.#pending.readUInt32LE(0);
      if (this.#pending.length < 4 + size) break;
      bodies.push(this.#pending.subarray(4, 4 + size));
      this.#pending = this.#pending.subarray(4 + size);
    }
    return bodies;
  }
}
