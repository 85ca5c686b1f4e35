// Inside a pool worker: serve task after task, in order, until the owner ends the thread or a task leaves something behind.

import { getHeapStatistics } from 'node:v8';
import { receiveMessageOnPort } from 'node:worker_threads';
import { describe } from '../errors.js';
import { claim } from '../memory/cancel-flag.js';
import { NO_TASK, newTaskContext, setContext, type ThreadContext } from '../memory/context.js';
import { assertNever, type TargetSpec, type TaskBatch, type TaskMessage, type ToThread } from '../wire/protocol.js';
import { exit, interceptExit } from './run-exit.js';
import { activeResources, leftBehind } from './run-leaks.js';
import { failRunning, runTask, sendEnding, type Side } from './run-task.js';
import { serializeThrown } from '../wire/serialize.js';

/** A pool worker's serving. */
export interface ServeOptions extends Side {
  readonly initializer: { target: TargetSpec; args: unknown[] } | undefined;
  /** Calls `handler` with every message from the owner, in order (the port's or the IPC channel's listener). */
  listen(handler: (message: ToThread | TaskBatch) => void): void;
  /** Whether the channel from the owner keeps this thread alive: yes while idle, no while a task runs. */
  holdOpen(yes: boolean): void;
  /** A worker thread's handover (cancel-flag.ts), where it claims the tasks that name a cell. */
  readonly handover?: Int32Array;
}

/** The initializer's task id: no cancel names it (the owner's ids start at 1). */
const INITIALIZER = -2;

/**
 * Serves tasks one after another until the owner ends the thread: runs the initializer, says
 * `serving`, then for each `task` message runs it and sends its ending. A task that leaves
 * something behind that keeps the event loop alive (a timer, a socket, a server, a child
 * process) retires the worker: its ending says so, and the thread exits instead of taking the
 * next task. An error from outside a task's call while it runs fails that task; one while idle
 * ends the worker (the owner replaces it).
 */
export async function serve(options: ServeOptions): Promise<void> {
  const context: ThreadContext = { info: options.info, flag: options.flag, port: options.port, task: newTaskContext(NO_TASK), inbox: [] };
  setContext(context);
  interceptExit(options);
  process.on('uncaughtException', (error) => {
    if (failRunning(error)) return;
    process.stderr.write(`Exception in idle pool worker ${options.info.name}, which leaves:\n${describe(error)}\n`);
    exit(1);
  });

  if (options.initializer !== undefined) {
    options.holdOpen(false);
    const { target, args } = options.initializer;
    const end = (await runTask(options, context, INITIALIZER, target, args))!;
    if (end.kind !== 'completed') {
      const error = end.kind === 'failed' ? end.error : serializeThrown(new Error('the initializer gave up: it was cancelled'));
      options.send({ kind: 'init-failed', error }, () => exit(1));
      return;
    }
  }
  // A task is judged by what it opened: what was there right before its call is the worker's own,
  // also what loading the task opened (a module's own state, the tsx loader's connection).
  options.holdOpen(true);

  const queue: TaskMessage[] = [];
  let busy = false;
  const { handover } = options;
  // Tasks run one after another; the channel is let go (holdOpen(false)) from the first to the
  // moment none is left, so that it never counts as something a task left behind.
  const next = async (): Promise<void> => {
    busy = true;
    options.holdOpen(false);
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
      const { id, cell } = task;
      const claimIt = cell !== undefined && handover !== undefined ? () => claim(handover, cell, id) : undefined;
      let before: Map<string, number> | undefined;
      const end = await runTask(options, context, id, task.target, task.args, {
        each: task.each === true,
        claimIt,
        onCall: () => {
          before = activeResources();
        },
      });
      drainInbox();
      // Withdrawn by the owner (cancelled before it began): it never began, and the owner knows.
      if (end === undefined) continue;
      // A task whose target was never called (it failed to load, or was cancelled first) left nothing of its own.
      const left = before === undefined ? undefined : leftBehind(before, activeResources());
      if (left !== undefined) {
        sendEnding(options, { ...end, retire: `task ${id} left ${left} running` }, () => exit(0));
        return;
      }
      sendEnding(options, end);
    }
    options.holdOpen(true);
    busy = false;
  };
  // The targets the owner has sent, by ref (TaskBatch).
  const targets: TargetSpec[] = [];
  const take = (message: ToThread | TaskBatch): void => {
    if (Array.isArray(message)) {
      for (const [id, ref, args, cell, each, spec] of message) {
        if (spec !== undefined && ref >= 0) targets[ref] = spec;
        const task: TaskMessage = { kind: 'task', id, target: spec ?? targets[ref]!, args, each: each === 1 };
        if (cell >= 0) task.cell = cell;
        queue.push(task);
      }
      if (!busy) void next();
      return;
    }
    switch (message.kind) {
      case 'task':
        queue.push(message);
        if (!busy) void next();
        return;
      case 'cancel':
        if (message.id === context.task.id) context.task.reason = message.reason;
        return;
      case 'usage': {
        const { user, system } = process.cpuUsage();
        options.send({ kind: 'usage', cpuUserUs: user, cpuSystemUs: system, heapUsed: getHeapStatistics().used_heap_size });
        return;
      }
      case 'start':
      case 'serve':
      case 'begin':
        return;
      default:
        assertNever(message);
    }
  };
  // Messages read while a task looked for its cancel reason.
  const drainInbox = () => {
    for (let message = context.inbox.shift(); message !== undefined; message = context.inbox.shift()) take(message);
    for (let received = receiveMessageOnPort(options.port); received; received = receiveMessageOnPort(options.port)) {
      const message = received.message as ToThread | TaskBatch;
      if (Array.isArray(message) || message.kind !== 'cancel') take(message);
    }
  };
  options.listen(take);
  options.send({ kind: 'serving' });
}
