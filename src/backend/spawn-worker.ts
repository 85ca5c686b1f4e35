// Starting a worker thread for the worker-thread backend: its bootstrap, port pair, cancel flag, handover and exit.

import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { describe } from '../errors.js';
import { bootstrapSource, entrySource, entryUrl, isTypeScript, parentPreloads, type BootData } from './bootstrap.js';
import {
  HANDOVER_CELLS,
  createFlag,
  createHandover,
  freeFlag,
  isClaimed,
  offer,
  raiseFlag,
  reasonPosted,
  withdraw,
} from '../memory/cancel-flag.js';
import type { FromThread, TaskBatch, ToThread } from '../wire/protocol.js';
import { cloneable } from '../wire/serialize.js';
import { cloneFailure } from './unsendable.js';
import { USAGE_WAIT_MS, type LaunchSpec, type PoolTransport, type TransportHooks, type WorkerUsage } from './transport.js';

const BOOTSTRAP = bootstrapSource(`require('node:worker_threads').workerData.boot`, `require('node:worker_threads').workerData.source`);
/** The entry's URL: found at the first start (bootstrap.ts); undefined when threadkit runs bundled. */
let entry: { readonly url: string | undefined } | undefined;

/** What the worker's entry finds in `workerData`. */
export interface WorkerData {
  readonly boot: BootData;
  readonly port: import('node:worker_threads').MessagePort;
  /** The thread's cancel flag: a view of its block in the wake table (the view itself, so its byteOffset survives). */
  readonly flag: Int32Array;
  /** A pool worker's handover (cancel-flag.ts): where it claims each task before it begins. */
  readonly handover?: Int32Array;
  /** In a bundled program (no entry URL): the entry's source, or a port that will carry it (or the error why not). */
  readonly source?: string | import('node:worker_threads').MessagePort;
}

/** A worker thread's CPU time and heap where Node offers them (worker.cpuUsage(): Node 24+; getHeapStatistics(): 22.16+). */
async function workerUsage(worker: Worker): Promise<WorkerUsage> {
  const probe = worker as unknown as {
    cpuUsage?: () => Promise<{ user: number; system: number }>;
    getHeapStatistics?: () => Promise<{ used_heap_size: number }>;
  };
  const readings = Promise.all([
    typeof probe.cpuUsage === 'function' ? probe.cpuUsage().catch(() => undefined) : undefined,
    typeof probe.getHeapStatistics === 'function' ? probe.getHeapStatistics().catch(() => undefined) : undefined,
  ]);
  // The timer bounds the wait (a worker may not answer at once) and holds the program while the
  // caller awaits: an idle pool's workers are unref'd, and their answer alone would not.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<[undefined, undefined]>((resolve) => (timer = setTimeout(() => resolve([undefined, undefined]), USAGE_WAIT_MS)));
  try {
    const [cpu, heap] = await Promise.race([readings, late]);
    return {
      ...(cpu ? { cpuUserUs: cpu.user, cpuSystemUs: cpu.system } : {}),
      ...(heap ? { heapUsed: heap.used_heap_size } : {}),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** One worker, its port pair and its flag; `first` is posted before the worker exists, so what cannot be cloned starts nothing. */
export function launchWorker(
  first: ToThread,
  typescript: boolean,
  spec: Pick<LaunchSpec, 'daemon' | 'resourceLimits' | 'preloads'>,
  hooks: TransportHooks,
): Omit<PoolTransport, 'post'> & { post(message: ToThread | TaskBatch): void } {
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(first);
  } catch (error) {
    port1.close();
    throw cloneFailure(error);
  }
  const flag = createFlag();
  const handover = first.kind === 'serve' ? createHandover() : undefined;
  const url = (entry ??= { url: entryUrl('worker') }).url;
  const boot: BootData = {
    ...(url === undefined ? {} : { entry: url }),
    preloads: spec.preloads ?? parentPreloads(),
    typescript: (url !== undefined && isTypeScript(url)) || typescript,
  };
  const transferList: Array<import('node:worker_threads').MessagePort> = [port2];
  let source: WorkerData['source'];
  if (url === undefined) {
    const text = entrySource('worker');
    if (typeof text === 'string') source = text;
    else {
      // The embedded entries are still loading (the first starts of a bundle): the worker waits for them.
      const channel = new MessageChannel();
      transferList.push((source = channel.port2));
      text.then(
        (loaded) => channel.port1.postMessage(loaded),
        (error: unknown) => channel.port1.postMessage(error),
      );
    }
  }
  const workerData: WorkerData = {
    boot,
    port: port2,
    flag,
    ...(handover ? { handover } : {}),
    ...(source === undefined ? {} : { source }),
  };

  let worker: Worker;
  try {
    worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData,
      transferList,
      ...(spec.resourceLimits ? { resourceLimits: spec.resourceLimits } : {}),
    });
  } catch (error) {
    // Creation failed (e.g. too many open files): report it as an exit, asynchronously like any other.
    port1.close();
    freeFlag(flag);
    setImmediate(() => hooks.exit({ exitCode: null, signal: null, error }));
    return {
      ident: null,
      cancel() {},
      terminate() {},
      ref() {},
      unref() {},
      post() {},
      handover: { cells: HANDOVER_CELLS, offer() {}, withdraw: () => true, claimed: () => false },
    };
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
    cancel(id, reason) {
      // Without a reason there is nothing to post: REASON goes first, so that a woken thread that
      // throws CancelledError never waits for it (cancel-flag.ts).
      if (reason === undefined) reasonPosted(flag, id);
      raiseFlag(flag, id);
      if (reason !== undefined) {
        const message: ToThread = { kind: 'cancel', id, reason: cloneable(reason) ? reason : describe(reason) };
        port1.postMessage(message);
        reasonPosted(flag, id);
      }
    },
    terminate() {
      worker.terminate().catch(() => {});
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    post: (message) => port1.postMessage(message),
    usage: () => workerUsage(worker),
    ...(handover
      ? {
          handover: {
            cells: HANDOVER_CELLS,
            offer: (cell: number, id: number) => offer(handover, cell, id),
            withdraw: (cell: number, id: number) => withdraw(handover, cell, id),
            claimed: (cell: number, id: number) => isClaimed(handover, cell, id),
          },
        }
      : {}),
  };
}
