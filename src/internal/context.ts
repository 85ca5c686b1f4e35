// The running thread's context, kept on globalThis so every copy of threadkit loaded in a thread sees it.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { awaitReason, isRaised } from './cancel-flag.js';
import type { ThreadInfo, ToThread } from './protocol.js';

/** What the in-thread functions need; installed by the thread's entry before the target runs. */
export interface ThreadContext {
  readonly info: ThreadInfo;
  /** The cancellation flag (see cancel-flag.ts). */
  readonly flag: Int32Array;
  /** Owner -> thread messages, read synchronously (never with a listener). */
  readonly port: MessagePort;
  /** The reason given to `cancel(reason)`, once its message has been read. */
  reason: unknown;
  /** Created by the first `cancelSignal()`. */
  controller: AbortController | undefined;
}

const KEY = Symbol.for('threadkit.context.v1');

/** The context of the calling thread, or undefined in a thread threadkit did not start (the main thread). */
export function getContext(): ThreadContext | undefined {
  return (globalThis as Record<symbol, ThreadContext | undefined>)[KEY];
}

export function setContext(context: ThreadContext): void {
  (globalThis as Record<symbol, ThreadContext | undefined>)[KEY] = context;
}

/** Reads the cancel reason from the owner's pending messages, if the flag is up. */
export function cancelReason(context: ThreadContext): unknown {
  if (!isRaised(context.flag)) return undefined;
  awaitReason(context.flag);
  for (;;) {
    const received = receiveMessageOnPort(context.port);
    if (received === undefined) break;
    const message = received.message as ToThread;
    if (message.kind === 'cancel') context.reason = message.reason;
  }
  return context.reason;
}

/**
 * Whether the calling thread is cancelled: false outside a threadkit thread. Shared objects ask
 * this (never the CANCEL slot itself), so what "cancelled" means stays in one place.
 */
export function callerCancelled(): boolean {
  const context = getContext();
  return context !== undefined && isRaised(context.flag);
}
