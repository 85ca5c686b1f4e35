// Entry point inside a worker thread: reads the start message, sends output live, runs the thread.

import { receiveMessageOnPort, threadId, workerData } from 'node:worker_threads';
import type { FromThread, ToThread } from '../protocol.js';
import type { Importer } from '../run-target.js';
import { runThread } from '../run-thread.js';
import type { WorkerData } from '../transport/worker.js';

/** Called by the bootstrap once loaders are registered. */
export async function main(_boot: unknown, importer: Importer): Promise<void> {
  const { port, flag } = workerData as WorkerData;
  const first = receiveMessageOnPort(port)?.message as ToThread | undefined;
  if (first?.kind !== 'start') throw new Error('threadkit internal error: the thread got no start message');
  // postMessage is synchronous: a message is on its way (and survives terminate) once it returns.
  const send = (message: FromThread, then?: () => void) => {
    port.postMessage(message);
    then?.();
  };
  redirectOutput(send);
  await runThread({
    info: { ...first.info, ident: first.info.ident ?? threadId, isMain: false },
    target: first.target,
    args: first.args,
    flag: new Int32Array(flag),
    port,
    importer,
    send,
    exitCalled: (code) => send({ kind: 'exit-called', code }),
  });
}

/** Sends what the thread writes to stdout/stderr to the owner at once, also while the thread blocks afterwards. */
function redirectOutput(post: (message: FromThread) => void): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const writable = process[stream];
    writable.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
      let data: string | Uint8Array;
      if (typeof chunk === 'string') {
        data =
          typeof encoding === 'string' && !/^utf-?8$/i.test(encoding)
            ? new Uint8Array(Buffer.from(chunk, encoding as BufferEncoding))
            : chunk;
      } else if (chunk instanceof Uint8Array) {
        data = new Uint8Array(chunk); // a copy: a Buffer's pool must not travel
      } else {
        data = String(chunk);
      }
      post({ kind: 'output', stream, chunk: data });
      if (typeof callback === 'function') process.nextTick(callback as () => void);
      return true;
    }) as typeof writable.write;
  }
}
