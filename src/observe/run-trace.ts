// One observed run (a Thread, a Process, a pool task): its context and its events, each published once and in order.

import {
  cancelChannel,
  observing,
  queuedChannel,
  settledChannel,
  terminateChannel,
  trace,
  type RunKind,
  type RunStatus,
  type TaskContext,
  type TerminateReason,
  type WorkerRef,
} from './channels.js';

let lastId = 0;

/**
 * The events of one run, published on the owner's side in the order of API.md section 11.1:
 * `queued` first; `start` once, before `cancel` when the target had begun; `cancel` and
 * `terminate` at most once each and before `end`; then `error` (failed only), `end`,
 * `asyncStart`, the delivery of the outcome, `asyncEnd`, and `settled`. A run whose target never
 * began publishes none of the five TracingChannel events. Made only while someone listens
 * (`openTrace`); each method checks its own channel's subscribers before building a message.
 */
export class RunTrace {
  readonly context: TaskContext;
  #began = false;
  #cancelled = false;
  #terminated = false;
  #ended = false;

  constructor(kind: RunKind, name: string, executor: string | undefined, submitTime: number | undefined) {
    lastId += 1;
    const context: TaskContext = { kind, name, id: lastId };
    if (executor !== undefined) context.executor = executor;
    if (submitTime !== undefined) context.submitTime = submitTime;
    this.context = context;
  }

  /** Whether `start` was published. */
  get began(): boolean {
    return this.#began;
  }

  /** A pool task was accepted (inside submit()/run()/map()). */
  queued(): void {
    if (queuedChannel.hasSubscribers) queuedChannel.publish({ task: this.context, ts: this.context.submitTime ?? performance.now() });
  }

  /**
   * Its target began on `worker` at `startTime` (the worker's reading, or when the owner learned
   * it): `start`, once. A later call refines `startTime` (never later) until `end`.
   */
  start(worker: WorkerRef, startTime: number | undefined): void {
    const context = this.context;
    if (this.#began) {
      if (!this.#ended && startTime !== undefined && startTime < context.startTime!) context.startTime = startTime;
      return;
    }
    this.#began = true;
    context.worker = worker;
    // A worker's reading reaches this side after a message at least (µs), far more than the
    // clocks' calibration error (tens of ns): it is never later than now, and needs no clock read.
    context.startTime = startTime ?? performance.now();
    if (trace.start.hasSubscribers) trace.start.publish(context);
  }

  /** The first cancel of a run not yet ended: `cancel`, at most once. */
  cancel(reason: unknown): void {
    if (this.#cancelled || this.#ended) return;
    this.#cancelled = true;
    if (cancelChannel.hasSubscribers) cancelChannel.publish({ task: this.context, reason, began: this.#began, ts: performance.now() });
  }

  /** The run is being ended by force: `terminate`, at most once. */
  terminate(reason: TerminateReason): void {
    if (this.#terminated || this.#ended) return;
    this.#terminated = true;
    if (terminateChannel.hasSubscribers)
      terminateChannel.publish({ task: this.context, reason, began: this.#began, ts: performance.now() });
  }

  /**
   * The run ended with `status` (its target's end at `endTime`, the worker's reading; now when
   * it was ended by force): `error` (failed), then `end` — only for a run whose target began.
   * Then `deliver` settles its outcome between `asyncStart` and `asyncEnd`, and `settled` closes it.
   */
  end(status: RunStatus, endTime: number | undefined, error: unknown, deliver: () => void): void {
    if (this.#ended) return deliver();
    this.#ended = true;
    const context = this.context;
    const began = this.#began;
    if (began) {
      const end = endTime ?? performance.now();
      context.endTime = end < context.startTime! ? context.startTime! : end;
      context.status = status;
      if (status === 'failed') {
        context.error = error;
        if (trace.error.hasSubscribers) trace.error.publish(context);
      }
      if (trace.end.hasSubscribers) trace.end.publish(context);
      if (trace.asyncStart.hasSubscribers) trace.asyncStart.publish(context);
    } else {
      context.status = status;
    }
    try {
      deliver();
    } finally {
      if (began && trace.asyncEnd.hasSubscribers) trace.asyncEnd.publish(context);
      if (settledChannel.hasSubscribers) settledChannel.publish({ task: context, status, began, ts: performance.now() });
    }
  }
}

/** A run's trace: the one it has, or a new one when someone listens now (a run under way then lacks earlier fields). */
export function openTrace(
  current: RunTrace | undefined,
  kind: RunKind,
  name: string,
  executor: string | undefined,
  submitTime: number | undefined,
): RunTrace | undefined {
  if (current !== undefined) return current;
  return observing() ? new RunTrace(kind, name, executor, submitTime) : undefined;
}

/**
 * Settles a run through `deliver`, publishing its ending around it when it is traced (RunTrace#end);
 * without a trace, `deliver` alone.
 */
export function endRun(
  trace: RunTrace | undefined,
  outcome: { readonly status: RunStatus; readonly error?: unknown },
  endTime: number | undefined,
  deliver: () => void,
): void {
  if (trace === undefined) deliver();
  else trace.end(outcome.status, endTime, outcome.error, deliver);
}
