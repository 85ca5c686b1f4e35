// Entry point inside a child process: runs the target on the child's main thread, with a watcher thread for cancels.
//
// The main thread may block (sleepSync, a busy loop), so cancels do not come over IPC: the parent
// writes them to a socket (fd 4) that a small watcher thread reads. The watcher raises the cancel
// flag (one hop, no polling) and hands the reason over a MessagePort, exactly as for a Thread. It
// also notices at once when the parent is gone (the socket closes) and then kills this process.

import { writeSync } from 'node:fs';
import { deserialize } from 'node:v8';
import { MessageChannel, Worker } from 'node:worker_threads';
import { CANCEL, REASON, WAKE, createFlag } from '../cancel-flag.js';
import { CONTROL_FD, type FromThread, type ToThread } from '../protocol.js';
import type { Importer } from '../run-target.js';
import { runThread } from '../run-thread.js';
import { interceptOutput, writeFully } from '../output.js';

// Raises the flag as cancel-flag.ts's raiseFlag() and reasonPosted() do: it runs as a plain
// script in its own thread, so it loads no module.
const WATCHER = `'use strict';
const { workerData: { flag, port } } = require('node:worker_threads');
const { Socket } = require('node:net');
const { deserialize } = require('node:v8');
const socket = new Socket({ fd: ${CONTROL_FD}, readable: true, writable: false });
let pending = Buffer.alloc(0);
socket.on('data', (chunk) => {
  pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
    const size = pending.readUInt32LE(0);
    const reason = deserialize(pending.subarray(4, 4 + size));
    pending = pending.subarray(4 + size);
    if (Atomics.exchange(flag, ${CANCEL}, 1) === 0) {
      Atomics.notify(flag, ${CANCEL});
      Atomics.add(flag, ${WAKE}, 1);
      Atomics.notify(flag, ${WAKE});
    }
    port.postMessage({ kind: 'cancel', reason });
    Atomics.store(flag, ${REASON}, 1);
    Atomics.notify(flag, ${REASON});
  }
});
// Pay first-call costs now, not on the first cancel.
deserialize(require('node:v8').serialize(undefined));
const orphaned = () => process.kill(process.pid, 'SIGKILL');
socket.on('end', orphaned);
socket.on('error', orphaned);
`;

/** Called by the bootstrap: starts the watcher, waits for the start message, runs the target here. */
export async function main(_boot: unknown, importer: Importer): Promise<void> {
  const flag = createFlag();
  const { port1, port2 } = new MessageChannel();
  const watcher = new Worker(WATCHER, {
    eval: true,
    execArgv: [],
    workerData: { flag, port: port1 },
    transferList: [port1],
  });
  watcher.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

  const next = () => new Promise<ToThread>((resolve) => process.once('message', resolve));
  // Written to the inherited descriptors at once: nothing is lost when the child exits or is terminated.
  interceptOutput((stream, chunk) => writeFully(stream === 'stdout' ? 1 : 2, chunk));
  // The start message comes serialized once by the parent (which checked it could be sent).
  const first = deserialize((await next()) as unknown as Uint8Array) as ToThread;
  if (first.kind !== 'start') throw new Error('threadkit internal error: the child got no start message');

  await runThread({
    info: { ...first.info, ident: process.pid, isMain: false },
    target: first.target,
    args: first.args,
    flag,
    port: port2,
    importer,
    send(message: FromThread, then?: () => void) {
      if (!process.connected) return then?.();
      process.send!(message, undefined, {}, () => then?.());
    },
    // A cancel sent before the watcher runs must still stop the target from beginning: ask the parent.
    async mayBegin() {
      this.send({ kind: 'ready' });
      let answer = await next();
      while (answer.kind !== 'begin') answer = await next();
      // From here on nothing comes over IPC: a target whose promise can never settle lets the loop empty.
      process.channel?.unref();
      return answer.go;
    },
    exitCalled(code) {
      try {
        writeSync(CONTROL_FD, `exit ${code}\n`);
      } catch {
        // The parent is gone.
      }
    },
  });
}
