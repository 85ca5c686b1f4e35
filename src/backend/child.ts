// The child-process backend: a child Node.js process running the target on its main thread (spawned by spawn-child.ts).
//
// Shared memory cannot cross processes: results and messages travel over IPC, cancels over a
// control socket that a watcher thread in the child reads (see entry/child.ts), so a cancel
// reaches a child blocked in sleepSync() in one message hop plus a shared-memory wake, and the
// child notices at once when its parent is gone.

import { deserialize, serialize } from 'node:v8';
import { THREAD_TASK, type ToThread } from '../wire/protocol.js';
import { isTypeScript } from './bootstrap.js';
import { cloneFailure } from './unsendable.js';
import { serializeMessage, spawnChild } from './spawn-child.js';
import {
  USAGE_WAIT_MS,
  type Backend,
  type EncodedTask,
  type LaunchSpec,
  type PoolLaunchSpec,
  type PoolTransport,
  type Transport,
  type TransportHooks,
  type WorkerUsage,
} from './transport.js';

/** A started child, with what Process adds: pid, exit code, signal, SIGKILL. */
export interface ChildTransport extends Transport {
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(): void;
}

/** Whether `value` can cross the IPC channel (advanced serialization). */
export function ipcCloneable(value: unknown): boolean {
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of `args` as a child process will receive them (v8's serializer, as IPC sends them).
 * @throws {DOMException} DataCloneError when an argument cannot be serialized.
 */
export function copyForChild(args: readonly unknown[]): unknown[] {
  try {
    return deserialize(serialize(args)) as unknown[];
  } catch (error) {
    throw cloneFailure(error);
  }
}

/**
 * Starts `spec` in a new child process.
 * @throws {DOMException} DataCloneError, before spawning, when the start message cannot be sent.
 */
export function startChild(spec: LaunchSpec, hooks: TransportHooks): ChildTransport {
  const start: ToThread = { kind: 'start', target: spec.target, args: spec.args, info: spec.info };
  const typescript = 'module' in spec.target && isTypeScript(spec.target.module);
  let cancelled = false;
  const child = spawnChild(start, typescript, spec, hooks, (message) => {
    // The answer to `ready`: may the target begin, or was it cancelled first?
    if (message.kind !== 'ready') return false;
    const begin: ToThread = { kind: 'begin', go: !cancelled };
    child.post(begin);
    return true;
  });
  return {
    ident: child.ident,
    get exitCode() {
      return child.exitCode;
    },
    get signalCode() {
      return child.signalCode;
    },
    cancel(reason) {
      cancelled = true;
      child.cancel(THREAD_TASK, reason);
    },
    terminate: child.terminate,
    kill: child.kill,
    ref: child.ref,
    unref: child.unref,
  };
}

/** How long pool.metrics() waits for a pool child's own readings (it answers when its event loop is free). */

/** A started pool child: a pool worker that can also be killed at once. */
export interface PoolChildTransport extends PoolTransport {
  kill(): void;
}

/**
 * Starts a pool worker in a child process: it runs the initializer, says `serving`, then takes tasks.
 * @throws {DOMException} DataCloneError, before spawning, when the initializer's arguments cannot be sent.
 */
export function startPoolChild(spec: PoolLaunchSpec, hooks: TransportHooks): PoolChildTransport {
  const serve: ToThread = { kind: 'serve', info: spec.info, initializer: spec.initializer };
  // The answers to `usage`, in the order asked (one that timed out is still in line: its late answer goes to it).
  const asked: ((usage: WorkerUsage) => void)[] = [];
  const child = spawnChild(serve, spec.typescript, spec, hooks, (message) => {
    if (message.kind !== 'usage') return false;
    const { cpuUserUs, cpuSystemUs, heapUsed } = message;
    asked.shift()?.({ cpuUserUs, cpuSystemUs, heapUsed });
    return true;
  });
  return {
    /** The child's own readings; `{}` when it does not answer within USAGE_WAIT_MS (a task blocks its event loop). */
    usage: () =>
      new Promise<WorkerUsage>((resolve) => {
        const timer = setTimeout(() => resolve({}), USAGE_WAIT_MS);
        asked.push((usage) => {
          clearTimeout(timer);
          resolve(usage);
        });
        child.post({ kind: 'usage' });
      }),
    ident: child.ident,
    cancel: child.cancel,
    terminate: child.terminate,
    kill: child.kill,
    ref: child.ref,
    unref: child.unref,
    post: (tasks) => {
      for (const task of tasks) child.post(task.encoded as unknown as Buffer);
    },
  };
}

/**
 * A task message for a pool child, serialized once now (so submit can refuse what cannot be sent).
 * @throws {DOMException} DataCloneError when an argument cannot be serialized.
 */
export function encodeChildTask(message: Extract<ToThread, { kind: 'task' }>): EncodedTask {
  return serializeMessage(message) as unknown as EncodedTask;
}

/** The child-process backend: Process and ProcessPoolExecutor. Shared objects are served by this process. */
export const processBackend: Backend<ChildTransport> = {
  where: 'process',
  shares: 'served',
  start: startChild,
  startPool: startPoolChild,
  encodeTask: encodeChildTask,
  sendable: ipcCloneable,
  copyArgs: copyForChild,
};
