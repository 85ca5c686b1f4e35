// A child process's control-socket frames (protocol.ts ControlFrame): their byte layout, encode, and read from a byte stream.
//
// A frame is | u32 LE payload length | u8 kind | i32 LE task id | payload |: a cancel's payload is
// its reason, v8-serialized (none when there is no reason), an exit-called's its code; a bye has
// none. The task id is in the header so that the child's watcher raises the cancel flag as soon as
// a frame begins, before it reads the reason (entry/watcher.ts parses the same layout).

import { deserialize, serialize } from 'node:v8';
import { describe } from '../errors.js';
import { assertNever, type ControlFrame } from './protocol.js';

/** Where each header field starts: the payload's length (u32 LE), the kind (u8), the task id (i32 LE). */
export const AT = { size: 0, kind: 4, id: 5 } as const;
/** Bytes before the payload. */
export const HEADER_BYTES = 9;
/** The kind byte of each frame. */
export const KIND = { cancel: 1, 'exit-called': 2, bye: 3 } as const satisfies Record<ControlFrame['kind'], number>;

const EMPTY = Buffer.alloc(0);

/** A frame as bytes (a cancel reason that cannot be serialized travels as its description). */
export function encodeFrame(frame: ControlFrame): Buffer {
  let id = 0;
  let payload = EMPTY;
  switch (frame.kind) {
    case 'cancel':
      id = frame.id;
      if (frame.reason !== undefined) {
        try {
          payload = serialize(frame.reason);
        } catch {
          payload = serialize(describe(frame.reason));
        }
      }
      break;
    case 'exit-called':
      id = frame.id;
      payload = serialize(frame.code);
      break;
    case 'bye':
      break;
    default:
      assertNever(frame);
  }
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  bytes.writeUInt32LE(payload.length, AT.size);
  bytes.writeUInt8(KIND[frame.kind], AT.kind);
  bytes.writeInt32LE(id, AT.id);
  payload.copy(bytes, HEADER_BYTES);
  return bytes;
}

/** Collects chunks and returns the frames they complete, in order. */
export class FrameReader {
  #pending: Buffer = EMPTY;

  push(chunk: Buffer): ControlFrame[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: ControlFrame[] = [];
    while (this.#pending.length >= HEADER_BYTES && this.#pending.length >= HEADER_BYTES + this.#pending.readUInt32LE(AT.size)) {
      const size = this.#pending.readUInt32LE(AT.size);
      const kind = this.#pending.readUInt8(AT.kind);
      const id = this.#pending.readInt32LE(AT.id);
      const payload = this.#pending.subarray(HEADER_BYTES, HEADER_BYTES + size);
      this.#pending = this.#pending.subarray(HEADER_BYTES + size);
      frames.push(decode(kind, id, payload));
    }
    return frames;
  }
}

function decode(kind: number, id: number, payload: Buffer): ControlFrame {
  switch (kind) {
    case KIND.cancel:
      return { kind: 'cancel', id, reason: payload.length === 0 ? undefined : deserialize(payload) };
    case KIND['exit-called']:
      return { kind: 'exit-called', id, code: deserialize(payload) as number };
    case KIND.bye:
      return { kind: 'bye' };
    default:
      throw new Error(`threadkit internal error: unknown control frame kind ${kind}`);
  }
}
