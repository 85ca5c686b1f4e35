// A child process's control-socket frames (protocol.ts ControlFrame): encode, and read from a byte stream.

import { deserialize, serialize } from 'node:v8';
import { describe } from '../errors.js';
import type { ControlFrame } from './protocol.js';

/** A frame as bytes: its 4-byte length (LE), then the frame serialized (a cancel reason that cannot be, as its description). */
export function encodeFrame(frame: ControlFrame): Buffer {
  let body: Buffer;
  try {
    body = serialize(frame);
  } catch {
    body = serialize(frame.kind === 'cancel' ? { ...frame, reason: describe(frame.reason) } : frame);
  }
  const bytes = Buffer.allocUnsafe(4 + body.length);
  bytes.writeUInt32LE(body.length, 0);
  body.copy(bytes, 4);
  return bytes;
}

/** Collects chunks and returns the frames they complete, in order. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ControlFrame[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: ControlFrame[] = [];
    while (this.#pending.length >= 4 && this.#pending.length >= 4 + this.#pending.readUInt32LE(0)) {
      const size = this.#pending.readUInt32LE(0);
      frames.push(deserialize(this.#pending.subarray(4, 4 + size)) as ControlFrame);
      this.#pending = this.#pending.subarray(4 + size);
    }
    return frames;
  }
}
