// Entry point inside a worker thread: sets up the context and output, runs the target, reports, exits.

import { receiveMessageOnPort, threadId, workerData } from 'node:worker_threads';
import { TaskError, describe } from '../../errors.js';
import { isRaised } from '../cancel-flag.js';
import { setContext } from '../context.js';
import type { FromThread, ThreadInfo, ToThread } from '../protocol.js';
import { ending, loadTarget, type Importer } from '../run-target.js';
import type { WorkerData } from '../transport/worker.js';

/** Called by the bootstrap once loaders are registered. */
export async function main(_boot: unknown, importer: Importer): Promise<void> {
  const { port, flag: buffer } = workerData as WorkerData;
  const flag = new Int32Array(buffer);
  const first = receiveMessageOnPort(port)?.message as ToThread | undefined;
  if (first?.kind !== 'start') throw new Error('threadkit internal error: the thread got no start message');
  const info: ThreadInfo = { ...first.info, ident: first.info.ident ?? threadId, isMain: false };
  const { target, args } = first;
  setContext({ info, flag, port, reason: undefined, controller: undefined, signalRequested: false });

  const post = (message: FromThread) => port.postMessage(message);
  const exit = process.exit.bind(process);
  let done = false;

  /** Sends the one ending message and leaves, tearing down whatever the target left running. */
  const finish = (message: Extract<FromThread, { kind: 'completed' | 'failed' | 'cancelled' }>) => {
    if (done) return;
    done = true;
    try {
      post(message);
    } catch (error) {
      const unsent = new TaskError(
        `The return value of ${info.name} could not be sent back: ${describe(error)}. ` +
          'Return data that structured clone can copy (no functions, symbols, sockets or class behaviour).',
        { cause: error },
      );
      post(ending(unsent, flag, target, info));
    }
    exit(0);
  };

  redirectOutput(post);
  process.exit = ((code?: number | string | null) => {
    if (!done) {
      done = true;
      post({ kind: 'exit-called', code: Number(code ?? process.exitCode ?? 0) || 0 });
    }
    exit(code as number);
  }) as typeof process.exit;
  // An error from a timer or an unhandled rejection while the target is pending fails the thread.
  process.on('uncaughtException', (error) => finish(ending(error, flag, target, info)));

  let call: () => unknown;
  try {
    call = await loadTarget(target, args, info, importer);
  } catch (error) {
    finish(ending(error, flag, target, info));
    return;
  }
  if (isRaised(flag)) {
    finish({ kind: 'cancelled' });
    return;
  }
  post({ kind: 'running' });
  try {
    const value = call();
    // A target that returned synchronously has its result now, before any microtask it queued.
    finish({ kind: 'completed', value: isThenable(value) ? await value : value });
  } catch (error) {
    finish(ending(error, flag, target, info));
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
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
