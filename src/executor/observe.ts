// A pool task's run trace (observe/run-trace.ts): made when someone listens, its `start` published once its target is known to have begun.

import { openTrace, type RunTrace } from '../observe/run-trace.js';
import type { Task } from './task-state.js';

/**
 * The task's trace, made now when someone listens and it has none (a task already under way then
 * lacks its earlier fields). Before an event that follows its start (its end, a cancel), `start` is
 * published first when its target has begun.
 */
export function traceOf(task: Task, executor: string): RunTrace | undefined {
  const trace = (task.trace = openTrace(task.trace, 'pool-task', task.future.name, executor, task.submitTime));
  if (trace !== undefined && task.startedAt !== undefined && task.slot !== undefined) trace.start(task.slot.ref, task.startedAt);
  return trace;
}

/** The first cancel of a task not yet ended: its cancel latency begins when its target had begun, and `cancel` is published. */
export function noteCancel(task: Task, executor: string, reason: unknown): void {
  if (task.startedAt !== undefined && task.cancelAt === undefined) task.cancelAt = performance.now();
  traceOf(task, executor)?.cancel(reason);
}
