// Entry point inside a child process: runs the target on the child's main thread, with a watcher thread for cancels.
//
// The main thread may block (sleepSync, a busy loop), so cancels do not come over IPC: the parent
// writes them to a socket (fd 4) that a small watcher thread reads (watcher.ts). The watcher raises
// the cancel flag (one hop, no polling) and hands the reason over a MessagePort, exactly as for a
// Thread. It also notices at once when the parent is gone (the socket closes) and then kills this process.

import { writeSync } from 'node:fs';
import { deserialize } from 'node:v8';
import { MessageChannel } from 'node:worker_threads';
import { createFlag, isRaised, raiseFlag, reasonPosted } from '../../memory/cancel-flag.js';
import { NO_TASK, getContext } from '../../memory/context.js';
import { encodeFrame } from '../../wire/control-frame.js';
import { CONTROL_FD, assertNever, type FromThread, type ToThread } from '../../wire/protocol.js';
import type { Importer } from '../run-target.js';
import { serve } from '../run-pool.js';
import { runThread } from '../run-thread.js';
import { interceptOutput, writeFully } from '../../base/output.js';
import { startWatcher } from './watcher.js';

/** import() from this file, for runtimes whose `-e`/eval code has none (Deno): see bootstrap.ts. */
export const load: Importer = (specifier) => import(specifier);

/** Kills this process and, when it leads its process group (it does, spawned by a Process), the group. */
function killGroup(): void {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.kill(process.pid, 'SIGKILL');
  }
}

/** Called by the bootstrap: starts the watcher, waits for the start message, runs the target here. */
export async function main(_boot: unknown, importer: Importer): Promise<void> {
  const flag = createFlag();
  const { port1, port2 } = new MessageChannel();
  startWatcher(flag, port1);
  process.on('disconnect', killGroup);

  const next = () => new Promise<ToThread>((resolve) => process.once('message', resolve));
  // Written to the inherited descriptors at once: nothing is lost when the child exits or is terminated.
  interceptOutput((stream, chunk) => writeFully(stream === 'stdout' ? 1 : 2, chunk));
  // The start message (and a pool's tasks) come serialized once by the parent (which checked they could be sent).
  const first = decode(await next());
  const side = {
    flag,
    port: port2,
    importer,
    send(message: FromThread, then?: () => void) {
      if (!process.connected) return then?.();
      // A target cancelled by this process's own SIGINT: the parent learns why (it did not cancel it).
      if (message.kind === 'cancelled' && interrupted.has(message.id)) message = { ...message, reason: 'SIGINT' };
      process.send!(message, undefined, {}, () => then?.());
    },
    exitCalled(id: number, code: number) {
      try {
        writeSync(CONTROL_FD, encodeFrame({ kind: 'exit-called', id, code }));
      } catch {
        // The parent is gone.
      }
    },
  };
  switch (first.kind) {
    case 'serve':
      return serve({
        ...side,
        info: { ...first.info, ident: process.pid, isMain: false },
        initializer: first.initializer,
        listen: (handler) => process.on('message', (message) => handler(decode(message))),
        holdOpen: (yes) => (yes ? process.channel?.ref() : process.channel?.unref()),
      });
    case 'start':
      // A Process's SIGINT (Process#interrupt(), or one from elsewhere) cancels its target instead of killing it.
      process.on('SIGINT', () => interruptTarget(flag));
      return runThread({
        ...side,
        info: { ...first.info, ident: process.pid, isMain: false },
        target: first.target,
        args: first.args,
        // A cancel sent before the watcher runs must still stop the target from beginning: ask the parent.
        async mayBegin() {
          this.send({ kind: 'ready' });
          const answer = await next();
          // The parent sends nothing else to a single run's child before it answers (cancels go to the watcher).
          if (answer.kind !== 'begin') throw unexpected(answer, "the answer to 'ready'");
          // From here on nothing comes over IPC: a target whose promise can never settle lets the loop empty.
          process.channel?.unref();
          return answer.go;
        },
      });
    case 'task':
    case 'cancel':
    case 'begin':
    case 'usage':
      throw unexpected(first, 'the first message');
    default:
      assertNever(first);
  }
}

/** The tasks that this process's SIGINT cancelled (the parent had not): their 'cancelled' message says so. */
const interrupted = new Set<number>();

/**
 * SIGINT in a Process's child, as Python's KeyboardInterrupt: the running target is cancelled
 * (reason 'SIGINT'), as a cancel from the parent would; the process is not killed. The handler runs
 * on this thread's event loop, so a target blocked synchronously hears it through the parent's
 * cancel that Process#interrupt() sends with the signal.
 */
function interruptTarget(flag: Int32Array): void {
  const task = getContext()?.task;
  if (task === undefined || task.id === NO_TASK || !task.live || isRaised(flag, task.id)) return;
  interrupted.add(task.id);
  task.reason = 'SIGINT';
  raiseFlag(flag, task.id);
  reasonPosted(flag, task.id);
}

/** A message the protocol does not allow at this point: a threadkit bug. */
function unexpected(message: ToThread, where: string): Error {
  return new Error(`threadkit internal error: the child got a '${message.kind}' message as ${where}`);
}

/** A message from the parent: serialized bytes (start, task) or a plain IPC message (begin). */
function decode(message: unknown): ToThread {
  return message instanceof Uint8Array ? (deserialize(message) as ToThread) : (message as ToThread);
}
