// The watcher thread of a child process: takes cancels from the control socket (fd 4) while the main thread may block.
//
// The parent writes each cancel as a control frame (control-frame.ts: length, kind, task id, then
// the reason serialized; the script below takes its offsets and kinds from there). The watcher raises the cancel flag for the frame's task as soon as its
// header is in (the target wakes without waiting for
// the reason; WAKE is bumped too, for a wait in a shared object), then hands the reason over a
// MessagePort and raises REASON, as cancel-flag.ts's raiseFlag() and reasonPosted() do for a Thread. When the socket closes, the parent is gone and
// the watcher kills this process and its process group. It runs as a plain script in its own thread: it loads no module.
//
// It reads with a blocking readSync: it wakes about 0.2 ms sooner than a net.Socket in the
// watcher's event loop (far sooner on a loaded machine), and Bun's net.Socket on an inherited
// descriptor never emits 'data' at all. Where this thread cannot read the descriptor (Deno: EBADF)
// it falls back to a net.Socket. A thread blocked in readSync must be woken before the process can
// exit (Node joins its threads at exit): see startWatcher().

import { writeSync } from 'node:fs';
import { Worker, type MessagePort } from 'node:worker_threads';
import { CANCEL, REASON, WAKE } from '../../memory/cancel-flag.js';
import { AT, HEADER_BYTES, KIND, encodeFrame } from '../../wire/control-frame.js';
import { CONTROL_FD } from '../../wire/protocol.js';

/** Slot of the watcher's `leaving` flag: written once (0 -> 1) by the child's main thread at exit, read by the watcher. */
const LEAVING = 0;

/**
 * The watcher's frame parser, as source: `take(chunk)` with `flag`, `port` and `deserialize` in
 * scope. It raises the cancel flag as soon as a cancel frame's header is in, then posts the reason
 * and raises REASON once the whole frame is. Its layout comes from control-frame.ts; a test
 * (test/backend/entry/watcher.test.ts) runs it against FrameReader on the same bytes.
 */
export const WATCHER_TAKE = `let pending = Buffer.alloc(0);
// The frame whose header has been read and whose flag is raised already.
let raised = false;
function take(chunk) {
  pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  while (pending.length >= ${HEADER_BYTES}) {
    const size = pending.readUInt32LE(${AT.size});
    const kind = pending.readUInt8(${AT.kind});
    const id = pending.readInt32LE(${AT.id});
    if (kind === ${KIND.cancel} && !raised) {
      raised = true;
      // No reason to post: REASON first, so that the woken target never waits for it.
      if (size === 0) Atomics.store(flag, ${REASON}, id);
      if (Atomics.exchange(flag, ${CANCEL}, id) !== id) {
        Atomics.notify(flag, ${CANCEL});
        Atomics.add(flag, ${WAKE}, 1);
        Atomics.notify(flag, ${WAKE});
      }
    }
    if (pending.length < ${HEADER_BYTES} + size) return;
    const payload = pending.subarray(${HEADER_BYTES}, ${HEADER_BYTES} + size);
    pending = pending.subarray(${HEADER_BYTES} + size);
    raised = false;
    if (kind !== ${KIND.cancel}) continue;
    if (size > 0) port.postMessage({ kind: 'cancel', id, reason: deserialize(payload) });
    Atomics.store(flag, ${REASON}, id);
    Atomics.notify(flag, ${REASON});
  }
}
`;

const WATCHER = `'use strict';
const { workerData } = require('node:worker_threads');
const { deserialize, serialize } = require('node:v8');
// The flag is a view of this process's wake table (at its block's offset), cloned as a view.
const { flag, port } = workerData;
const leaving = new Int32Array(workerData.leaving);
${WATCHER_TAKE}// The parent closed its end: it is gone, unless it answered this process's 'bye' at exit. The
// child leads its process group: the target's own children go with it.
function closed() {
  if (Atomics.load(leaving, ${LEAVING}) !== 0) return;
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.kill(process.pid, 'SIGKILL');
  }
}
// Pay first-call costs now, not on the first cancel.
deserialize(serialize(undefined));
/** Reads fd ${CONTROL_FD} until it closes; false when this thread cannot read it at all. */
function readBlocking() {
  const { readSync } = require('node:fs');
  const bytes = Buffer.allocUnsafe(4096);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let first = true; ; first = false) {
    let read;
    try {
      read = readSync(${CONTROL_FD}, bytes);
    } catch (error) {
      if (first && error.code === 'EBADF') return false;
      // A non-blocking descriptor with nothing to read: wait a millisecond (not seen: fd ${CONTROL_FD} blocks on Node and Bun).
      if (error.code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      if (error.code === 'EAGAIN' || error.code === 'EINTR') continue;
      read = 0;
    }
    if (read === 0) break;
    take(Buffer.from(bytes.subarray(0, read)));
  }
  closed();
  return true;
}
if (!readBlocking()) {
  const socket = new (require('node:net').Socket)({ fd: ${CONTROL_FD}, readable: true, writable: false });
  socket.on('data', take);
  socket.on('end', closed);
  socket.on('error', closed);
}
`;

/**
 * Starts the watcher thread for `flag`; cancel reasons arrive on the other end of `port`. It does
 * not keep the child alive. At exit this process says `bye` on the control socket, and the parent
 * answers by closing its end, which ends the watcher's read (so the runtime can join the thread)
 * without the watcher taking it for the parent's death.
 */
export function startWatcher(flag: Int32Array, port: MessagePort): Worker {
  const leaving = new Int32Array(new SharedArrayBuffer(4));
  const watcher = new Worker(WATCHER, {
    eval: true,
    execArgv: [],
    workerData: { flag, port, leaving: leaving.buffer },
    transferList: [port],
  });
  watcher.unref();
  process.on('exit', () => {
    Atomics.store(leaving, LEAVING, 1);
    try {
      writeSync(CONTROL_FD, encodeFrame({ kind: 'bye' }));
    } catch {
      // The parent is gone: the read has ended already.
    }
  });
  return watcher;
}
