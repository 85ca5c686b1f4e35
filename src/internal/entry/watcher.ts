// The watcher thread of a child process: takes cancels from the control socket (fd 4) while the main thread may block.
//
// The parent writes each cancel as a frame: 4-byte length (LE), then the reason serialized. The
// watcher raises the cancel flag as soon as a frame begins (the target wakes without waiting for
// the reason), then hands the reason over a MessagePort and raises REASON, as cancel-flag.ts's
// raiseFlag() and reasonPosted() do for a Thread. When the socket closes the parent is gone, and
// the watcher kills this process. It runs as a plain script in its own thread: it loads no module.

import { writeSync } from 'node:fs';
import { Worker, type MessagePort } from 'node:worker_threads';
import { CANCEL, REASON } from '../cancel-flag.js';
import { CONTROL_FD } from '../protocol.js';

/**
 * How the watcher reads fd 4. `'socket'`: a `net.Socket` in the watcher's event loop (Node, Deno).
 * `'blocking'`: `readSync` in a loop, for runtimes whose `net.Socket` on an inherited descriptor
 * never emits 'data' (Bun). Node cannot use it: it joins worker threads at exit, and one blocked in
 * `readSync` would hang the child's exit. Neither fault can be tested for without a probe message
 * and a timeout, so the runtime is told apart by `process.versions.bun`.
 */
export type WatchMode = 'socket' | 'blocking';

export function watchMode(): WatchMode {
  const forced = process.env.THREADKIT_WATCH;
  if (forced === 'socket' || forced === 'blocking') return forced;
  return process.versions.bun === undefined ? 'socket' : 'blocking';
}

const WATCHER = `'use strict';
const { workerData: { flag: buffer, port, mode, leaving: leavingBuffer } } = require('node:worker_threads');
const { deserialize, serialize } = require('node:v8');
const flag = new Int32Array(buffer);
let pending = Buffer.alloc(0);
function take(chunk) {
  pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  while (pending.length > 0) {
    if (Atomics.exchange(flag, ${CANCEL}, 1) === 0) Atomics.notify(flag, ${CANCEL});
    if (pending.length < 4 || pending.length < 4 + pending.readUInt32LE(0)) return;
    const size = pending.readUInt32LE(0);
    const reason = deserialize(pending.subarray(4, 4 + size));
    pending = pending.subarray(4 + size);
    port.postMessage({ kind: 'cancel', reason });
    Atomics.store(flag, ${REASON}, 1);
    Atomics.notify(flag, ${REASON});
  }
}
// Pay first-call costs now, not on the first cancel.
deserialize(serialize(undefined));
const orphaned = () => process.kill(process.pid, 'SIGKILL');
if (mode === 'blocking') {
  const { readSync } = require('node:fs');
  const bytes = Buffer.allocUnsafe(4096);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let read;
    try {
      read = readSync(${CONTROL_FD}, bytes);
    } catch (error) {
      // A non-blocking descriptor with nothing to read: wait a millisecond (not seen on Bun, whose fd 4 blocks).
      if (error.code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      if (error.code === 'EAGAIN' || error.code === 'EINTR') continue;
      read = 0;
    }
    if (read === 0) break;
    take(Buffer.from(bytes.subarray(0, read)));
  }
  // The parent closed its end: it is gone, unless it answered this process's 'bye' (see startWatcher).
  if (Atomics.load(new Int32Array(leavingBuffer), 0) === 0) orphaned();
} else {
  const socket = new (require('node:net').Socket)({ fd: ${CONTROL_FD}, readable: true, writable: false });
  socket.on('data', take);
  socket.on('end', orphaned);
  socket.on('error', orphaned);
}
`;

/**
 * Starts the watcher thread for `flag`; cancel reasons arrive on the other end of `port`.
 * It does not keep the child alive. A watcher blocked in `readSync` must be woken before the
 * process can exit (a runtime that joins its threads at exit would wait for it forever): at exit
 * this process says `bye` on the control socket, and the parent answers by closing its end,
 * which ends the read.
 */
export function startWatcher(flag: Int32Array, port: MessagePort): Worker {
  const mode = watchMode();
  const leaving = new Int32Array(new SharedArrayBuffer(4));
  const watcher = new Worker(WATCHER, {
    eval: true,
    execArgv: [],
    workerData: { flag: flag.buffer, port, mode, leaving: leaving.buffer },
    transferList: [port],
  });
  watcher.unref();
  if (mode === 'blocking') {
    process.on('exit', () => {
      Atomics.store(leaving, 0, 1);
      try {
        writeSync(CONTROL_FD, 'bye\n');
      } catch {
        // The parent is gone: the read has ended already.
      }
    });
  }
  return watcher;
}
