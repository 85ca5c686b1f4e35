// The worker-thread backend: one Worker per Thread (started by spawn-worker.ts), one MessagePort pair, one cancel flag.

import { isTypeScript } from './bootstrap.js';
import { THREAD_TASK, type TargetSpec, type TaskBatch, type TaskMessage, type TaskTuple, type ToThread } from '../wire/protocol.js';
import { cloneable } from '../wire/serialize.js';
import { copyForWorker } from './copy-args.js';
import { launchWorker } from './spawn-worker.js';
import type {
  Backend,
  EncodedTask,
  LaunchSpec,
  PoolLaunchSpec,
  PoolTransport,
  PostedTask,
  Transport,
  TransportHooks,
} from './transport.js';

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
