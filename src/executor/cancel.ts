// Cancelling a pool task: cancel(), stop()'s grace timer that terminates its worker, and run()'s AbortSignal.

import { clearLongTimeout, longTimeout } from '../base/timers.js';
import type { Dispatch } from './dispatch.js';
import type { Pool, WorkerSlot } from './pool.js';
import type { Task } from './task-state.js';
import { noteCancel, traceOf } from './observe.js';

/** The cancels, stops and signals of a pool's tasks. */
export class Cancels {
  readonly #pool: Pool;
  readonly #dispatch: Dispatch;
  /** One abort listener per signal, however many tasks share it. */
  readonly #signals = new Map<AbortSignal, { tasks: Set<Task>; onAbort: () => void }>();

  constructor(pool: Pool, dispatch: Dispatch) {
    this.#pool = pool;
    this.#dispatch = dispatch;
  }

  /**
   * Cooperative: a queued task, or one withdrawn from its thread worker's handover, ends cancelled now
   * (its target never runs); a running one gets its flag raised. Idempotent; no effect once ended.
   */
  cancel(task: Task, reason: unknown): void {
    if (task.state === 'ended') return;
    if (task.state === 'queued') {
      // Still queued: it never runs, and ends now.
      this.#dispatch.remove(task);
      task.cancel = { reason };
      noteCancel(task, this.#pool.settings.name, reason);
      this.#pool.end(task, { status: 'cancelled', reason });
      this.#pool.lifetime.changed();
      return;
    }
    if (task.cancel !== undefined || task.slot === undefined) return;
    const slot = task.slot;
    task.cancel = { reason };
    const withdrawn = this.#dispatch.withdraw(slot, task);
    // Offered to a thread worker and not withdrawn: claimed, its target has begun (and is now cancelling).
    if (!withdrawn && task.state === 'offered' && slot.transport.handover !== undefined) task.begin();
    else if (!withdrawn && task.state === 'running') task.move('cancelling');
    noteCancel(task, this.#pool.settings.name, reason);
    if (withdrawn) return this.#withdrawn(slot, task, reason);
    // On its worker: through its flag (a child's target that has not begun never begins).
    slot.transport.cancel(task.id, reason);
  }

  /** Cancelled after it was handed to a thread worker but before the worker claimed it (withdrawn): it never begins, and ends now. */
  #withdrawn(slot: WorkerSlot, task: Task, reason: unknown): void {
    this.#pool.end(task, { status: 'cancelled', reason });
    const at = slot.ahead.indexOf(task);
    if (at >= 0) slot.ahead.splice(at, 1);
    else if (slot.task === task) {
      slot.task = slot.ahead.shift();
      if (slot.task === undefined && slot.state === 'busy') this.#dispatch.idleNow(slot);
    }
    this.#dispatch.dispatch();
    this.#pool.lifetime.changed();
  }

  /** cancel(), then terminates its worker when it has not ended `graceMs` later (default: the pool's). Idempotent. */
  stop(task: Task, graceMs: number | undefined, reason: unknown): void {
    this.cancel(task, reason);
    const slot = task.slot;
    if (task.state === 'ended' || slot === undefined || task.graceTimer !== undefined) return;
    task.graceTimer = longTimeout(() => {
      if (slot.task !== task) return;
      traceOf(task, this.#pool.settings.name)?.terminate('grace');
      slot.leaving = 'replaced';
      slot.terminate();
    }, graceMs ?? this.#pool.settings.graceMs);
  }

  /** Stops `task` (with the pool's graceMs) when `signal` aborts. */
  watch(task: Task, signal: AbortSignal): void {
    let entry = this.#signals.get(signal);
    if (entry === undefined) {
      const tasks = new Set<Task>();
      const onAbort = () => {
        this.#signals.delete(signal);
        for (const each of tasks) this.stop(each, undefined, signal.reason);
      };
      entry = { tasks, onAbort };
      this.#signals.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.tasks.add(task);
  }

  /** The task ended: its grace timer and its signal's listener (when no other task shares it) go. */
  forget(task: Task): void {
    clearLongTimeout(task.graceTimer);
    const signal = task.signal;
    if (signal === undefined) return;
    const entry = this.#signals.get(signal);
    if (entry === undefined) return;
    entry.tasks.delete(task);
    if (entry.tasks.size === 0) {
      signal.removeEventListener('abort', entry.onAbort);
      this.#signals.delete(signal);
    }
  }
}
