// Entry point inside a worker thread: reads the first message, sends output live, runs the thread or serves a pool.

import { receiveMessageOnPort, threadId, workerData } from 'node:worker_threads';
import type { FromThread, ToThread } from '../../wire/protocol.js';
import type { Importer } from '../run-target.js';
import { serve } from '../run-pool.js';
import { runThread } from '../run-thread.js';
import { interceptOutput } from '../../base/output.js';
import { trackChildren } from '../child-tracking.js';
import type { WorkerData } from '../spawn-worker.js';

/** import() from this file, for runtimes whose `-e`/eval code has none (Deno): see bootstrap.ts. */
export const load: Importer = (specifier) => import(specifier);

/** Called by the bootstrap once loaders are registered. */
export async function main(_boot: unknown, importer: Importer): Promise<void> {
  const { port, flag, handover } = workerData as WorkerData;
  const first = receiveMessageOnPort(port)?.message as ToThread | undefined;
  // postMessage is synchronous: a message is on its way (and survives terminate) once it returns.
  const send = (message: FromThread, then?: () => void) => {
    port.postMessage(message);
    then?.();
  };
  // The owner kills the children the target spawns when the thread ends (it cannot do so itself once terminated).
  trackChildren((pid, alive, group) => send({ kind: 'child', pid, alive, group }));
  // Sent to the owner at once, also while the thread blocks afterwards.
  interceptOutput((stream, chunk) => send({ kind: 'output', stream, chunk }));
  const side = {
    flag,
    port,
    importer,
    send,
    exitCalled: (id: number, code: number) => send({ kind: 'exit-called', id, code }),
  };
  if (first?.kind === 'start') {
    await runThread({
      ...side,
      info: { ...first.info, ident: first.info.ident ?? threadId, isMain: false },
      target: first.target,
      args: first.args,
    });
  } else if (first?.kind === 'serve') {
    await serve({
      ...side,
      info: { ...first.info, ident: first.info.ident ?? threadId, isMain: false },
      initializer: first.initializer,
      listen: (handler) => port.on('message', handler),
      holdOpen: (yes) => (yes ? port.ref() : port.unref()),
      ...(handover ? { handover } : {}),
    });
  } else {
    throw new Error('threadkit internal error: the thread got no start message');
  }
}
