// The worker-thread backend: one Worker per Thread, one MessagePort pair, one cancel flag.

import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { describe } from '../../errors.js';
import { bootstrapSource, entryUrl, isTypeScript, parentPreloads, type BootData } from '../bootstrap.js';
import { createFlag, freeFlag, raiseFlag, reasonPosted } from '../cancel-flag.js';
import type { FromThread, ToThread } from '../protocol.js';
import { cloneable } from '../serialize.js';
import { cloneFailure } from '../unsendable.js';
import type { LaunchSpec, Transport, TransportHooks } from './transport.js';

const ENTRY = entryUrl('worker', import.meta.url);
const BOOTSTRAP = bootstrapSource(`require('node:worker_threads').workerData.boot`);

/** What the worker's entry finds in `workerData`. */
export interface WorkerData {
  readonly boot: BootData;
  readonly port: import('node:worker_threads').MessagePort;
  /** The thread's cancel flag: a view of its block in the wake table (the view itself, so its byteOffset survives). */
  readonly flag: Int32Array;
}

/**
 * Starts `spec` in a new worker thread. The start message (target and args) is cloned before
 * anything is created, so a value that cannot be sent throws here and nothing is started.
 * @throws {DOMException} DataCloneError when an argument cannot be sent.
 */
export function startWorker(spec: LaunchSpec, hooks: TransportHooks): Transport {
  const { port1, port2 } = new MessageChannel();
  const start: ToThread = { kind: 'start', target: spec.target, args: spec.args, info: spec.info };
  try {
    port1.postMessage(start);
  } catch (error) {
    port1.close();
    throw cloneFailure(error);
  }
  const flag = createFlag();
  const boot: BootData = {
    entry: ENTRY,
    preloads: spec.preloads ?? parentPreloads(),
    typescript: isTypeScript(ENTRY) || ('module' in spec.target && isTypeScript(spec.target.module)),
  };
  const workerData: WorkerData = { boot, port: port2, flag };

  let worker: Worker;
  try {
    worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData,
      transferList: [port2],
      ...(spec.resourceLimits ? { resourceLimits: spec.resourceLimits } : {}),
    });
  } catch (error) {
    // Creation failed (e.g. too many open files): report it as an exit, asynchronously like any other.
    port1.close();
    freeFlag(flag);
    setImmediate(() => hooks.exit({ exitCode: null, signal: null, error }));
    return { ident: null, cancel() {}, terminate() {}, ref() {}, unref() {} };
  }

  let lastError: unknown;
  const deliver = (message: FromThread) => hooks.message(message);
  port1.on('message', deliver);
  port1.unref();
  worker.on('error', (error) => {
    lastError = error;
  });
  worker.once('exit', (exitCode) => {
    // Everything the thread posted before it went comes first.
    for (let received = receiveMessageOnPort(port1); received; received = receiveMessageOnPort(port1)) {
      deliver(received.message as FromThread);
    }
    port1.off('message', deliver);
    port1.close();
    freeFlag(flag);
    hooks.exit({ exitCode, signal: null, error: lastError });
  });
  if (spec.daemon) worker.unref();

  return {
    ident: worker.threadId,
    cancel(reason) {
      raiseFlag(flag);
      if (reason !== undefined) {
        const message: ToThread = { kind: 'cancel', reason: cloneable(reason) ? reason : describe(reason) };
        port1.postMessage(message);
      }
      reasonPosted(flag);
    },
    terminate() {
      worker.terminate().catch(() => {});
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}
