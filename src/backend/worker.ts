// The worker-thread backend: one Worker per Thread, one MessagePort pair, one cancel flag.

import { types } from 'node:util';
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
import {
  THREAD_TASK,
  type FromThread,
  type TargetSpec,
  type TaskBatch,
  type TaskMessage,
  type TaskTuple,
  type ToThread,
} from '../wire/protocol.js';
import { cloneable } from '../wire/serialize.js';
import { cloneFailure } from './unsendable.js';
import type {
  Backend,
  EncodedTask,
  LaunchSpec,
  PoolLaunchSpec,
  PoolTransport,
  PostedTask,
  Transport,
  TransportHooks,
  WorkerUsage,
} from './transport.js';

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

/**
 * Starts `spec` in a new worker thread. The start message (target and args) is cloned before
 * anything is created, so a value that cannot be sent throws here and nothing is started.
 * @throws {DOMException} DataCloneError when an argument cannot be sent.
 */
export function startWorker(spec: LaunchSpec, hooks: TransportHooks): Transport {
  const start: ToThread = { kind: 'start', target: spec.target, args: spec.args, info: spec.info };
  const typescript = 'module' in spec.target && isTypeScript(spec.target.module);
  const worker = launchWorker(start, typescript, spec, hooks);
  return {
    ident: worker.ident,
    cancel: (reason) => worker.cancel(THREAD_TASK, reason),
    terminate: worker.terminate,
    ref: worker.ref,
    unref: worker.unref,
  };
}

/**
 * Starts a pool worker: it runs the initializer, says `serving`, then takes `task` messages.
 * @throws {DOMException} DataCloneError when the initializer's arguments cannot be sent.
 */
export function startPoolWorker(spec: PoolLaunchSpec, hooks: TransportHooks): PoolTransport {
  const serve: ToThread = { kind: 'serve', info: spec.info, initializer: spec.initializer };
  const worker = launchWorker(serve, spec.typescript, spec, hooks);
  // The targets this worker has been sent, by what they are: each travels once (TaskBatch).
  const refs = new Map<string, number>();
  const tuple = (posted: PostedTask): TaskTuple => {
    const { id, target, args, each } = posted.encoded as unknown as TaskMessage;
    const key = targetKey(target);
    let ref = key === undefined ? -1 : refs.get(key);
    const first = ref === undefined || ref === -1;
    if (ref === undefined) refs.set(key!, (ref = refs.size));
    const sent: TaskTuple = [id, ref, args, posted.cell ?? -1, each === true ? 1 : 0];
    if (first) sent.push(target);
    return sent;
  };
  return {
    ...worker,
    post(tasks: readonly PostedTask[]) {
      const batch: TaskBatch = new Array<TaskTuple>(tasks.length);
      for (let i = 0; i < tasks.length; i += 1) batch[i] = tuple(tasks[i]!);
      worker.post(batch);
    },
  };
}

/** A worker thread's CPU time and heap where Node offers them (worker.cpuUsage(): Node 24+; getHeapStatistics(): 22.16+). */
async function workerUsage(worker: Worker): Promise<WorkerUsage> {
  const probe = worker as unknown as {
    cpuUsage?: () => Promise<{ user: number; system: number }>;
    getHeapStatistics?: () => Promise<{ used_heap_size: number }>;
  };
  const [cpu, heap] = await Promise.all([
    typeof probe.cpuUsage === 'function' ? probe.cpuUsage().catch(() => undefined) : undefined,
    typeof probe.getHeapStatistics === 'function' ? probe.getHeapStatistics().catch(() => undefined) : undefined,
  ]);
  return {
    ...(cpu ? { cpuUserUs: cpu.user, cpuSystemUs: cpu.system } : {}),
    ...(heap ? { heapUsed: heap.used_heap_size } : {}),
  };
}

/** Keys of the target specs seen (a pool makes one spec per function: most lookups end here). */
const keys = new WeakMap<TargetSpec, string | undefined>();

/** What a target is, as a key (the same function, task or export gives the same key); undefined: not kept. */
function targetKey(target: TargetSpec): string | undefined {
  let key = keys.get(target);
  if (key === undefined && !keys.has(target)) keys.set(target, (key = keyOf(target)));
  return key;
}

function keyOf(target: TargetSpec): string | undefined {
  switch (target.kind) {
    case 'source':
      return `s${target.name}\0${target.source}`;
    case 'task':
      return `t${target.module}\0${target.key}\0${target.name}`;
    case 'module':
      return `m${target.module}\0${target.name}`;
    case 'subclass':
      return undefined;
  }
}

/**
 * A task message for a pool worker thread, its args copied now (API.md §12: a task sees its args
 * as they were at submit, and what cannot be sent is refused there, not when the task is posted).
 * @throws {DOMException} DataCloneError when an argument cannot be cloned.
 */
export function encodeWorkerTask(message: Extract<ToThread, { kind: 'task' }>): EncodedTask {
  const copy: Extract<ToThread, { kind: 'task' }> = {
    kind: 'task',
    id: message.id,
    target: message.target,
    args: copyForWorker(message.args),
  };
  if (message.each !== undefined) copy.each = message.each;
  return copy as unknown as EncodedTask;
}

/**
 * A copy of `args` as a worker thread will receive them: small plain data copied by hand (no
 * clone: the tiny tasks' fast path), the rest by structured clone (SharedArrayBuffers stay shared).
 * @throws {DOMException} DataCloneError when an argument cannot be cloned.
 */
export function copyForWorker(args: readonly unknown[]): unknown[] {
  const copy = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const plain = plainCopy(arg, 2);
    copy[i] = plain === NOT_PLAIN ? structuredClone(arg) : plain;
  }
  return copy;
}

/** What plainCopy answers for a value it does not copy by hand. */
const NOT_PLAIN = Symbol('not plain');

/**
 * A copy of `value` when it is certainly plain data, seen without cloning it: a primitive other
 * than a symbol, a SharedArrayBuffer (shared, not copied), or (`depth` levels down) a small array
 * or plain object of such values, with no getters and no proxy. NOT_PLAIN otherwise: the caller
 * clones it. (So submit does not pay a structured clone for the small args of tiny tasks.)
 */
function plainCopy(value: unknown, depth: number): unknown {
  const type = typeof value;
  if (value === null || (type !== 'object' && type !== 'function' && type !== 'symbol')) return value;
  if (type !== 'object' || types.isProxy(value)) return NOT_PLAIN;
  if (value instanceof SharedArrayBuffer) return value;
  if (depth === 0) return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (value.length > 16 || Object.getPrototypeOf(value) !== Array.prototype || Object.keys(value).length !== value.length)
      return NOT_PLAIN;
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value)) return NOT_PLAIN;
      const member = plainCopy(value[i], depth - 1);
      if (member === NOT_PLAIN) return NOT_PLAIN;
      copy[i] = member;
    }
    return copy;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const keys = Object.keys(value as object);
  if (keys.length > 16) return NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    const property = Object.getOwnPropertyDescriptor(value, key);
    if (property === undefined || !('value' in property) || key === '__proto__') return NOT_PLAIN;
    const member = plainCopy(property.value, depth - 1);
    if (member === NOT_PLAIN) return NOT_PLAIN;
    copy[key] = member;
  }
  return copy;
}

/** One worker, its port pair and its flag; `first` is posted before the worker exists, so what cannot be cloned starts nothing. */
function launchWorker(
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

/** The worker-thread backend: Thread and ThreadPoolExecutor. Shared objects are the same memory on both sides. */
export const threadBackend: Backend = {
  where: 'thread',
  shares: 'memory',
  start: startWorker,
  startPool: startPoolWorker,
  encodeTask: encodeWorkerTask,
  sendable: cloneable,
  copyArgs: copyForWorker,
};
