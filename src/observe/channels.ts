// The diagnostics channels of API.md section 11.1: their names, what each message holds, and whether anyone listens.

import dc from 'node:diagnostics_channel';

/** The thread or process that runs a run's target. */
export interface WorkerRef {
  readonly name: string;
  /** As `currentThread().ident` inside it: the thread id, or the child's pid. */
  readonly ident: number;
  /** The process it runs in. */
  readonly pid: number;
}

/** What a run is: a Thread, a Process, or a pool task. */
export type RunKind = 'thread' | 'process' | 'pool-task';
/** How a run ended. */
export type RunStatus = 'completed' | 'failed' | 'cancelled' | 'terminated';

/**
 * The context object of one run, the same object in every event of that run (the TracingChannel
 * convention: a subscriber may keep its own state on it under its own key). threadkit fills the
 * fields in as the run advances and never removes one. Times are ms in this thread's
 * `performance.now()` timebase. Never an argument or a return value.
 */
export interface TaskContext {
  readonly kind: RunKind;
  readonly name: string;
  /** Unique among the runs of this process (thread), a positive integer. */
  readonly id: number;
  /** A pool task's pool name. */
  executor?: string;
  /** When start() was called / the task was submitted. */
  submitTime?: number;
  /** From `start` on: the thread or process that runs it. */
  worker?: WorkerRef;
  /** From `start` on: when its target began (the worker's own reading). */
  startTime?: number;
  /** From `end` on: when its target ended (or the run was ended by force). */
  endTime?: number;
  /** From `end` on. */
  status?: RunStatus;
  /** On `error` and after: the error of a failed run. */
  error?: unknown;
  [key: string | symbol]: unknown;
}

/** `threadkit:task:queued`. */
export interface QueuedMessage {
  readonly task: TaskContext;
  readonly ts: number;
}
/** `threadkit:task:cancel`. */
export interface CancelMessage {
  readonly task: TaskContext;
  readonly reason: unknown;
  /** Whether its target had begun. */
  readonly began: boolean;
  readonly ts: number;
}
/** Why a run is ended by force. */
export type TerminateReason = 'terminate' | 'kill' | 'grace';
/** `threadkit:task:terminate`. */
export interface TerminateMessage {
  readonly task: TaskContext;
  readonly reason: TerminateReason;
  readonly began: boolean;
  readonly ts: number;
}
/** `threadkit:task:settled`. */
export interface SettledMessage {
  readonly task: TaskContext;
  readonly status: RunStatus;
  readonly began: boolean;
  readonly ts: number;
}
/** `threadkit:worker:spawn`. */
export interface WorkerSpawnMessage {
  readonly executor: string;
  readonly kind: 'thread' | 'process';
  readonly worker: WorkerRef;
  readonly ts: number;
}
/** Why a pool worker is gone. */
export type WorkerExitReason = 'idle' | 'max-tasks' | 'left-running' | 'shutdown' | 'replaced' | 'crashed' | 'init-failed';
/** `threadkit:worker:exit`. */
export interface WorkerExitMessage {
  readonly executor: string;
  readonly kind: 'thread' | 'process';
  readonly worker: WorkerRef;
  readonly code: number | null;
  readonly signal: string | null;
  readonly reason: WorkerExitReason;
  readonly ts: number;
}

/** The channels' names, as a subscriber passes them to `diagnostics_channel`. */
export const CHANNELS = {
  task: 'threadkit:task',
  queued: 'threadkit:task:queued',
  cancel: 'threadkit:task:cancel',
  terminate: 'threadkit:task:terminate',
  settled: 'threadkit:task:settled',
  spawn: 'threadkit:worker:spawn',
  exit: 'threadkit:worker:exit',
} as const;

/** A channel as threadkit publishes on it. */
export interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

/** Runtimes whose node:diagnostics_channel has no tracingChannel (older Bun, Deno): nothing is published. */
const SUPPORTED = typeof (dc as { tracingChannel?: unknown }).tracingChannel === 'function';
const SILENT: Channel = { hasSubscribers: false, publish() {} };
const open = (name: string): Channel => (SUPPORTED ? dc.channel(name) : SILENT);

/** The five channels of the `threadkit:task` TracingChannel, each a plain channel (`tracing:threadkit:task:start`, ...). */
export const trace = {
  start: open('tracing:threadkit:task:start'),
  end: open('tracing:threadkit:task:end'),
  asyncStart: open('tracing:threadkit:task:asyncStart'),
  asyncEnd: open('tracing:threadkit:task:asyncEnd'),
  error: open('tracing:threadkit:task:error'),
};
export const queuedChannel = open(CHANNELS.queued);
export const cancelChannel = open(CHANNELS.cancel);
export const terminateChannel = open(CHANNELS.terminate);
export const settledChannel = open(CHANNELS.settled);
export const spawnChannel = open(CHANNELS.spawn);
export const exitChannel = open(CHANNELS.exit);

/** Set by a benchmark to measure the cost of the instrumentation itself: nothing is observed. @internal */
export const bypass = { on: false };

/** Whether anyone subscribes to a run's channels: when not, no context is made (and no clock is read for one). */
export function observing(): boolean {
  return (
    !bypass.on &&
    (trace.start.hasSubscribers ||
      trace.end.hasSubscribers ||
      trace.asyncStart.hasSubscribers ||
      trace.asyncEnd.hasSubscribers ||
      trace.error.hasSubscribers ||
      queuedChannel.hasSubscribers ||
      cancelChannel.hasSubscribers ||
      terminateChannel.hasSubscribers ||
      settledChannel.hasSubscribers)
  );
}
