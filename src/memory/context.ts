// The running thread's context and its current task's, kept on globalThis so every copy of threadkit loaded in a thread sees them.

import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { REASON, awaitReason, isRaised } from './cancel-flag.js';
import type { ThreadInfo, ToThread } from '../wire/protocol.js';

/** What one task sees of its cancel; a new one for every task, so nothing of a previous task's cancel is visible. */
export interface TaskContext {
  /** The task's id: `cancelled()` is `flag[CANCEL] === id`. */
  readonly id: number;
  /** The reason given to `cancel(reason)`, once its message has been read. */
  reason: unknown;
  /** Created by the first `cancelSignal()` of the task. */
  controller: AbortController | undefined;
  /** Called once when this task is cancelled (sleep() and cancelSignal() register here); cleared when it ends. */
  readonly waiters: Set<() => void>;
  /** Whether an Atomics.waitAsync for this task's cancel is armed. */
  watching: boolean;
  /** Run when the task ends: what the in-thread functions set up for it (the signal's keep-alive). */
  readonly cleanups: Set<() => void>;
  /** False once the task has ended. */
  live: boolean;
}

/** What the in-thread functions need; installed by the thread's entry before the first task runs. */
export interface ThreadContext {
  readonly info: ThreadInfo;
  /** The cancellation flag (see cancel-flag.ts). */
  readonly flag: Int32Array;
  /** Owner -> thread messages, read synchronously when a cancel reason is wanted. */
  readonly port: MessagePort;
  /** The task running now (a finished one until the next begins). */
  task: TaskContext;
  /** Messages read from the port while looking for a cancel reason that were not for it (a pool worker's next task). */
  readonly inbox: ToThread[];
}

/** `currentThread()` on the program's main thread, and `mainThread()`. */
export const MAIN_THREAD: ThreadInfo = Object.freeze({ name: 'MainThread', ident: 0, daemon: false, isMain: true });

const KEY = Symbol.for('threadkit.context.v1');

/** The id of "no task" (between a pool worker's tasks, and outside threadkit threads): never cancelled. */
export const NO_TASK = -1;

/** A fresh task context. */
export function newTaskContext(id: number): TaskContext {
  return { id, reason: undefined, controller: undefined, waiters: new Set(), watching: false, cleanups: new Set(), live: true };
}

/** The context of the calling thread, or undefined in a thread threadkit did not start (the main thread). */
export function getContext(): ThreadContext | undefined {
  return (globalThis as Record<symbol, ThreadContext | undefined>)[KEY];
}

export function setContext(context: ThreadContext): void {
  (globalThis as Record<symbol, ThreadContext | undefined>)[KEY] = context;
}

/** Ends the current task's context: its waiters are forgotten, its cleanups run. */
export function endTask(context: ThreadContext): void {
  const task = context.task;
  task.live = false;
  task.waiters.clear();
  for (const cleanup of task.cleanups) cleanup();
  task.cleanups.clear();
}

/** Reads the cancel reason of the current task from the owner's pending messages, if its flag is up. */
export function cancelReason(context: ThreadContext): unknown {
  const task = context.task;
  if (!isRaised(context.flag, task.id)) return undefined;
  return readReason(context.flag, context.port, task, context.inbox);
}

function readReason(flag: Int32Array, port: MessagePort, task: TaskContext, inbox: ToThread[]): unknown {
  awaitReason(flag, task.id);
  for (;;) {
    const received = receiveMessageOnPort(port);
    if (received === undefined) break;
    const message = received.message as ToThread;
    if (message.kind === 'cancel') {
      if (message.id === task.id) task.reason = message.reason;
    } else inbox.push(message);
  }
  return task.reason;
}

/**
 * Runs the reading of a reason once on stand-ins (a flag whose reason is posted, an empty port), so
 * that V8 compiles it before a blocked wait sleeps (wait.ts warmUp) rather than after its cancel.
 */
export function warmReason(): void {
  const flag = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  flag[REASON] = 1;
  const channel = new MessageChannel();
  readReason(flag, channel.port1, newTaskContext(1), []);
  channel.port1.close();
}

/**
 * Whether the calling thread is cancelled: false outside a threadkit thread. Shared objects ask
 * this (never the CANCEL slot itself), so what "cancelled" means stays in one place.
 */
export function callerCancelled(): boolean {
  const context = getContext();
  return context !== undefined && isRaised(context.flag, context.task.id);
}
