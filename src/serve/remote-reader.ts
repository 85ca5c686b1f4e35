// The reader thread of a Process's served-objects socket: its source, made from the frame layout in remote-protocol.ts.
//
// It blocks in readSync on fd SERVE_FD, splits what it reads into frame bodies (u32 length, then
// the body), posts each body on `port` and bumps the WAKE slot of the thread that started it
// (wake-table.ts), so a thread blocked in a call wakes up to take its reply. It ends, closing
// `port`, when the parent closes its end. Where this thread cannot read the fd at all (Deno:
// EBADF), it reads it through a socket instead.

import { Worker, type MessagePort } from 'node:worker_threads';
import { WAKE } from '../memory/wake-table.js';
import { LENGTH_BYTES, SERVE_FD } from '../wire/remote-protocol.js';

/**
 * The reader's frame splitter, as source: `take(chunk)` with `port` and `wake` in scope. It posts
 * each whole frame's body and bumps WAKE. Its layout comes from remote-protocol.ts; a test
 * (test/serve/remote-reader.test.ts) runs it against FrameReader on the same bytes.
 */
export const READER_TAKE = `let pending = Buffer.alloc(0);
function take(chunk) {
  pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
  while (pending.length >= ${LENGTH_BYTES} && pending.length >= ${LENGTH_BYTES} + pending.readUInt32LE(0)) {
    const size = pending.readUInt32LE(0);
    const body = new Uint8Array(pending.subarray(${LENGTH_BYTES}, ${LENGTH_BYTES} + size));
    pending = pending.subarray(${LENGTH_BYTES} + size);
    port.postMessage(body, [body.buffer]);
    Atomics.add(wake, ${WAKE}, 1);
    Atomics.notify(wake, ${WAKE});
  }
}
`;

const READER = `'use strict';
const { workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { wake, port } = workerData;
const bytes = Buffer.allocUnsafe(65536);
const pause = new Int32Array(new SharedArrayBuffer(4));
${READER_TAKE}/** Reads fd ${SERVE_FD} until it closes; false when this thread cannot read it at all (Deno: EBADF). */
function readBlocking() {
  for (let first = true; ; first = false) {
    let read;
    try {
      read = readSync(${SERVE_FD}, bytes);
    } catch (error) {
      if (first && error.code === 'EBADF') return false;
      if (error.code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      if (error.code === 'EAGAIN' || error.code === 'EINTR') continue;
      break;
    }
    if (read === 0) break;
    take(bytes.subarray(0, read));
  }
  port.close();
  return true;
}
if (!readBlocking()) {
  const socket = new (require('node:net').Socket)({ fd: ${SERVE_FD}, readable: true, writable: false });
  socket.on('data', take);
  socket.on('end', () => port.close());
  socket.on('error', () => port.close());
}
`;

/**
 * Starts the reader thread (unref'd: it never keeps the process alive). It posts every reply body
 * on `port` and bumps slot WAKE of `wake` (the starting thread's block view) after each.
 */
export function startReader(wake: Int32Array, port: MessagePort): Worker {
  const reader = new Worker(READER, { eval: true, execArgv: [], workerData: { wake, port }, transferList: [port] });
  reader.unref();
  return reader;
}
