// A pool's workers: starting them, their messages, retiring them, their exits, and the broken pool.

import { ThreadCrashedError, describe } from '../errors.js';
import { crashError } from '../core/crash.js';
import { assertNever, type FromThread } from '../wire/protocol.js';
import { rebuildThrown } from '../wire/serialize.js';
import type { Outcome } from '../core/settlement.js';
import { clearLongTimeout } from '../base/timers.js';
import type { Backend, ExitInfo, PoolLaunchSpec, PoolTransport, ResourceLimits, TransportHooks } from '../backend/transport.js';
import { PoolServer } from '../serve/pool-serve.js';
import type { Dispatch } from './dispatch.js';
import type { Initializer } from './encode.js';
import type { Pool, PoolWorkers, WorkerSlot } from './pool.js';
import type { Task } from './task-state.js';
import { WorkerSlot as Slot } from './worker-slot.js';
import { exitChannel, spawnChannel, type TerminateReason, type WorkerExitReason } from '../observe/channels.js';
import { traceOf } from './observe.js';

/** How a pool starts a worker (executor.ts, from its backend). */
export interface WorkerLaunch {
  readonly initializer: Initializer | undefined;
  readonly resourceLimits: ResourceLimits | undefined;
  /** The pool's backend: how a worker starts, and whether this process serves its shared objects. */
  readonly backend: Backend;
}

/** The workers of a pool. */
export class Workers implements PoolWorkers {
  readonly #pool: Pool;
  readonly #dispatch: Dispatch;
  readonly #launch: WorkerLaunch;
  readonly #slots = new Set<WorkerSlot>();
  #starting = 0;
  #nextWorker = 0;
  #broken: ThreadCrashedError | undefined;

  constructor(pool: Pool, dispatch: Dispatch, launch: WorkerLaunch) {
    this.#pool = pool;
    this.#dispatch = dispatch;
    this.#launch = launch;
  }

  get slots(): ReadonlySet<WorkerSlot> {
    return this.#slots;
  }

  get starting(): number {
    return this.#starting;
  }

  get broken(): ThreadCrashedError | undefined {
    return this.#broken;
  }

  spawn(): void {
    const slot = new Slot<Task>(`${this.#pool.settings.name}_${this.#nextWorker++}`);
    this.#slots.add(slot);
    this.#starting += 1;
    const { initializer } = this.#launch;
    if (this.#launch.backend.shares === 'served') {
      // A process-pool worker's shared objects are served by this process, its initializer's for its whole life.
      slot.server = new PoolServer(initializer?.served?.fork(`the initializer of ${slot.name}`));
    }
    const hooks: TransportHooks = { message: (m) => this.#onMessage(slot, m), exit: (e) => this.#onExit(slot, e) };
    const spec: PoolLaunchSpec = {
      info: { name: slot.name, daemon: true, isMain: false },
      initializer: initializer && { target: initializer.target, args: initializer.args },
      served: slot.server,
      // A worker registers tsx when it first imports a TypeScript module (bootstrap.ts), not at its start.
      typescript: false,
      daemon: true,
      resourceLimits: this.#launch.resourceLimits,
    };
    try {
      slot.transport = this.#launch.backend.startPool(spec, hooks);
    } catch (error) {
      // Not expected (the initArgs were copied in the constructor); were it to happen, it is a
      // worker that could not start, reported as its exit, and never a slot without a transport.
      slot.transport = { ident: null, cancel() {}, terminate() {}, ref() {}, unref() {}, post() {} };
      setImmediate(() => hooks.exit({ exitCode: null, signal: null, error }));
    }
    const ident = slot.transport.ident ?? -1;
    slot.ref = { name: slot.name, ident, pid: this.#launch.backend.where === 'process' ? ident : process.pid };
    if (spawnChannel.hasSubscribers)
      spawnChannel.publish({ executor: this.#pool.settings.name, kind: this.#kind(), worker: slot.ref, ts: performance.now() });
    for (let cell = (slot.transport.handover?.cells ?? 0) - 1; cell >= 0; cell -= 1) slot.cells.push(cell);
    if (this.#pool.lifetime.reffed) slot.transport.ref();
  }

  /** Ends every worker now with `force` (terminateWorkers(), killWorkers()): a running task ends 'terminated'. */
  endAll(force: (transport: PoolTransport) => void, reason: TerminateReason): void {
    for (const slot of [...this.#slots]) {
      slot.leaving ??= 'shutdown';
      if (slot.task !== undefined && slot.task.state !== 'ended') traceOf(slot.task, this.#pool.settings.name)?.terminate(reason);
      if (slot.state === 'idle') this.#dispatch.leaveIdle(slot);
      if (slot.state === 'starting') this.#starting -= 1;
      if (slot.state !== 'retiring' && slot.state !== 'gone') slot.move('retiring');
      slot.end(force);
    }
  }

  /** Ends an idle or starting worker the pool no longer needs (`reason`: why, for `worker:exit`). */
  retire(slot: WorkerSlot, reason: WorkerExitReason = 'shutdown'): void {
    slot.leaving ??= reason;
    if (slot.state === 'idle') this.#dispatch.leaveIdle(slot);
    if (slot.state === 'starting') this.#starting -= 1;
    slot.move('retiring');
    slot.terminate();
  }

  #onMessage(slot: WorkerSlot, message: FromThread): void {
    if (slot.owner.take(message)) return;
    switch (message.kind) {
      case 'serving':
        if (slot.state !== 'starting') return;
        this.#starting -= 1;
        this.#dispatch.idleNow(slot);
        return;
      case 'init-failed':
        slot.leaving ??= 'init-failed';
        this.#breakPool(slot, rebuildThrown(message.error));
        return;
      case 'running': {
        const task = slot.task;
        if (task?.id !== message.id) return;
        if (task.state === 'offered') task.begin(message.t0);
        return;
      }
      case 'completed':
      case 'failed':
      case 'cancelled':
        this.#onEnding(slot, message);
        return;
      case 'ready':
      case 'usage': // the transport answers it
        return;
      default:
        assertNever(message);
    }
  }

  #onEnding(slot: WorkerSlot, message: Extract<FromThread, { kind: 'completed' | 'failed' | 'cancelled' }>): void {
    const task = slot.task;
    // After terminate() the worker's exit decides ('terminated'), as for a Thread.
    if (task === undefined || task.id !== message.id || slot.terminating) return;
    const outcome: Outcome =
      message.kind === 'completed'
        ? { status: 'completed', value: message.value }
        : message.kind === 'failed'
          ? { status: 'failed', error: rebuildThrown(message.error) }
          : { status: 'cancelled', reason: task.cancel?.reason };
    this.#dispatch.freeCell(slot, task);
    task.times(message.t0, message.t1);
    slot.task = slot.ahead.shift();
    slot.tasks += 1;
    this.#pool.end(task, outcome);
    if (message.retire !== undefined) {
      slot.leaving ??= 'left-running';
      slot.move('retiring'); // it exits by itself; its next task, if any, goes back to the queue then
    } else if (slot.tasks >= this.#pool.settings.maxTasksPerWorker) {
      slot.leaving ??= 'max-tasks';
      slot.move('retiring');
      slot.terminate();
    } else if (slot.task === undefined) {
      this.#dispatch.idleNow(slot);
    }
    this.#dispatch.dispatch();
    this.#pool.lifetime.changed();
  }

  #onExit(slot: WorkerSlot, exit: ExitInfo): void {
    const dispatch = this.#dispatch;
    const was = slot.state;
    if (was === 'gone') return;
    clearLongTimeout(slot.idleTimer);
    if (was === 'idle') dispatch.leaveIdle(slot);
    if (was === 'starting') this.#starting -= 1;
    slot.move('gone');
    this.#slots.delete(slot);
    slot.owner.killChildren();
    // The tasks posted ahead that the dead worker never claimed run elsewhere, in their order. (It
    // claims one only after the one before ended, and all its endings arrive before its exit: none is claimed.)
    const handover = slot.transport.handover;
    for (let i = slot.ahead.length - 1; i >= 0; i -= 1) {
      const next = slot.ahead[i]!;
      if (dispatch.withdraw(slot, next)) dispatch.requeue(next);
      else this.#pool.end(next, { status: 'failed', error: crashError(slot.name, exit, { exitCalled: undefined, began: true }) });
    }
    slot.ahead.length = 0;
    const task = slot.task;
    slot.task = undefined;
    // A thread worker hands over through its handover: withdrawn, the task never began; not, it had
    // begun. A child process sends 'running' before the target begins and all its messages arrive
    // before its exit: a task still offered never began (requeued once: a task whose loading kills
    // its worker fails).
    const neverBegan =
      task !== undefined && (handover !== undefined ? dispatch.withdraw(slot, task) : task.state === 'offered' && !task.requeued);
    if (task !== undefined && neverBegan && task.cancel !== undefined) {
      // Cancelled (or stopped) before its target began: it ends so, with the first cancel's reason, and never runs elsewhere.
      this.#pool.end(task, { status: 'cancelled', reason: task.cancel.reason });
    } else if (task !== undefined && neverBegan) {
      dispatch.requeue(task);
    } else if (task !== undefined) {
      const began = handover !== undefined || task.state !== 'offered';
      if (began && task.state === 'offered') task.begin();
      this.#pool.end(
        task,
        slot.terminating
          ? { status: 'terminated' }
          : { status: 'failed', error: crashError(slot.name, exit, { exitCalled: slot.owner.exitCalled, began }) },
      );
    } else if (was === 'starting' && !slot.terminating && this.#broken === undefined) {
      slot.leaving ??= 'init-failed';
      this.#breakPool(slot, crashError(slot.name, exit, { exitCalled: undefined, began: false }));
    }
    if (exitChannel.hasSubscribers) {
      const reason = slot.leaving ?? (slot.terminating ? 'shutdown' : 'crashed');
      const { name: executor } = this.#pool.settings;
      exitChannel.publish({
        executor,
        kind: this.#kind(),
        worker: slot.ref,
        code: exit.exitCode,
        signal: exit.signal,
        reason,
        ts: performance.now(),
      });
    }
    if (!this.#pool.lifetime.shuttingDown)
      while (this.#broken === undefined && this.#slots.size < this.#pool.settings.minWorkers) this.spawn();
    dispatch.dispatch();
    this.#pool.lifetime.changed();
  }

  /** What the pool's workers are, for the channels. */
  #kind(): 'thread' | 'process' {
    return this.#launch.backend.where === 'process' ? 'process' : 'thread';
  }

  /** A worker could not be made ready: pending and later tasks fail, running ones finish, no worker starts again. */
  #breakPool(slot: WorkerSlot, cause: unknown): void {
    if (this.#broken !== undefined) return;
    const broken = new ThreadCrashedError(
      `${this.#pool.settings.name} is broken: ${slot.name} could not be made ready (${describe(cause)}). ` +
        'Its pending and later tasks fail; fix the initializer (or what stops a worker from starting) and create a new pool.',
      { cause },
    );
    this.#broken = broken;
    for (let task = this.#dispatch.take(); task !== undefined; task = this.#dispatch.take())
      this.#pool.end(task, { status: 'failed', error: broken });
    for (const other of [...this.#slots]) {
      for (const next of [...other.ahead]) {
        if (!this.#dispatch.withdraw(other, next)) continue;
        other.ahead.splice(other.ahead.indexOf(next), 1);
        this.#pool.end(next, { status: 'failed', error: broken });
      }
      if (other.state === 'starting' || other.state === 'idle') this.retire(other);
    }
  }
}
