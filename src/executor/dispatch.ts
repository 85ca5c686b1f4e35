// Dispatch of a pool's tasks: the queue, the idle workers, tasks posted ahead, and the handover cells.

import { clearLongTimeout, longTimeout } from '../base/timers.js';
import type { Pool, WorkerSlot } from './pool.js';
import { TaskQueue } from './queue.js';
import type { Task } from './task-state.js';

/** Tasks at most on their way to one worker thread at once: its current one and those posted ahead. */
const DEPTH = 32;
/** A busy worker thread is given more once it has this many or fewer on their way (so they go in batches). */
const REFILL = DEPTH / 2;

/** Hands a pool's tasks to its workers. */
export class Dispatch {
  readonly #pool: Pool;
  /** Tasks waiting for a worker, in order (queue.ts). */
  readonly #queue = new TaskQueue();
  /** Idle workers, the most recently used last (taken first: it is the warmest). */
  readonly #idle: WorkerSlot[] = [];
  /** Slots with tasks given and not yet posted. */
  readonly #unposted: WorkerSlot[] = [];

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Queued tasks (not those handed to a worker). */
  get queued(): number {
    return this.#queue.size;
  }

  /** Idle workers. */
  get idle(): number {
    return this.#idle.length;
  }

  /** Queues a new task and dispatches. */
  push(task: Task): void {
    this.#queue.push(task);
    this.dispatch();
  }

  /** Takes the next queued task out; the caller ends it at once. */
  take(): Task | undefined {
    return this.#queue.shift();
  }

  /** Takes a queued task out where it stands; the caller ends it at once. */
  remove(task: Task): void {
    this.#queue.remove(task);
  }

  /**
   * Tasks waiting for a worker (what `maxQueued` bounds and `stats.queued` shows): those queued
   * beyond the ones the starting workers will take (each was started for one), and those posted
   * ahead to a busy worker.
   */
  waiting(): number {
    const workers = this.#pool.workers;
    let waiting = Math.max(0, this.#queue.size - workers.starting);
    for (const slot of workers.slots) waiting += slot.ahead.length;
    return waiting;
  }

  /** Whether a task submitted now would wait for a worker: no idle one, none starting free for it, none to start (a broken pool fails it at once). */
  wouldWait(): boolean {
    const workers = this.#pool.workers;
    return (
      workers.broken === undefined &&
      this.#idle.length === 0 &&
      this.#queue.size >= workers.starting &&
      workers.slots.size >= this.#pool.settings.maxWorkers
    );
  }

  /**
   * Gives queued tasks to idle workers, then (thread workers) more to each busy worker that has
   * few on their way, round-robin, up to DEPTH each, so that they begin without a round trip; starts
   * workers for what is still queued. What it gives goes out at once, one message per worker.
   */
  dispatch(): void {
    const { settings, workers } = this.#pool;
    while (this.#queue.size > 0 && this.#idle.length > 0) {
      const slot = this.#idle.pop()!;
      const task = this.#queue.shift()!;
      busyNow(slot);
      slot.move('busy');
      slot.task = task;
      this.#give(slot, task);
    }
    // Not while a worker is starting: it takes what is queued.
    if (this.#queue.size > 0 && workers.slots.size >= settings.maxWorkers && workers.starting === 0) {
      const takers: WorkerSlot[] = [];
      for (const slot of workers.slots) {
        if (slot.state !== 'busy' || slot.terminating || slot.transport.handover === undefined) continue;
        if (1 + slot.ahead.length <= REFILL) takers.push(slot);
      }
      for (let gave = true; gave && this.#queue.size > 0;) {
        gave = false;
        for (const slot of takers) {
          const onTheirWay = 1 + slot.ahead.length;
          if (onTheirWay >= DEPTH || slot.tasks + onTheirWay + 1 > settings.maxTasksPerWorker || slot.cells.length === 0) continue;
          const task = this.#queue.shift();
          if (task === undefined) break;
          slot.ahead.push(task);
          this.#give(slot, task);
          gave = true;
        }
      }
    }
    this.#post();
    if (workers.broken !== undefined) return;
    while (this.#queue.size > workers.starting && workers.slots.size < settings.maxWorkers) workers.spawn();
  }

  /** Hands `task` to `slot`'s worker (it is offered): in a free handover cell (threads), posted by the next #post(). */
  #give(slot: WorkerSlot, task: Task): void {
    task.slot = slot;
    task.move('offered');
    slot.server?.begin(task.served);
    const handover = slot.transport.handover;
    if (handover !== undefined) {
      task.cell = slot.cells.pop()!;
      handover.offer(task.cell, task.id);
    }
    if (slot.outbox.length === 0) this.#unposted.push(slot);
    slot.outbox.push(task);
  }

  /** Posts what was given, one message per worker. A task withdrawn in the meantime is not sent. */
  #post(): void {
    for (let slot = this.#unposted.pop(); slot !== undefined; slot = this.#unposted.pop()) {
      const tasks = [];
      for (const task of slot.outbox)
        if (task.slot === slot && task.state === 'offered') tasks.push({ encoded: task.encoded, cell: task.cell });
      slot.outbox.length = 0;
      if (tasks.length > 0 && slot.state !== 'gone') slot.transport.post(tasks);
    }
  }

  /** Gives `task`'s handover cell back to its worker's slot (it left the worker: ended, withdrawn, requeued). */
  freeCell(slot: WorkerSlot, task: Task): void {
    if (task.cell === undefined) return;
    slot.cells.push(task.cell);
    task.cell = undefined;
  }

  /**
   * Takes an offered task back from its thread worker's handover cell before the worker claims it
   * (it is withdrawn, its cell free). False when it is not offered there, or was claimed: its target has begun.
   */
  withdraw(slot: WorkerSlot, task: Task): boolean {
    if (task.state !== 'offered' || task.cell === undefined || slot.transport.handover?.withdraw(task.cell, task.id) !== true) return false;
    this.freeCell(slot, task);
    task.move('withdrawn');
    return true;
  }

  /** A task handed to a worker that had not begun goes back to the front of the queue (its worker died). */
  requeue(task: Task): void {
    if (task.slot !== undefined) this.freeCell(task.slot, task);
    task.slot = undefined;
    task.move('queued');
    this.#queue.unshift(task);
  }

  /** `slot`'s worker has nothing to do: it takes a task posted ahead to another, or idles (until its idle timeout). */
  idleNow(slot: WorkerSlot): void {
    const { settings, workers, lifetime } = this.#pool;
    if (this.#queue.size === 0 && this.#steal(slot)) return;
    slot.move('idle');
    this.#idle.push(slot);
    if (lifetime.shuttingDown && this.#queue.size === 0) return lifetime.checkShutdown();
    if (workers.slots.size > settings.minWorkers && settings.idleTimeoutMs !== Infinity) {
      // One timer per worker, restarted each time it idles (no timer made per task); one that fires
      // while its worker is busy does nothing.
      const timer = slot.idleTimer;
      if (timer !== undefined && 'refresh' in timer) (timer as NodeJS.Timeout).refresh();
      else {
        slot.idleTimer = longTimeout(() => {
          if (slot.state !== 'idle' || workers.slots.size <= settings.minWorkers) return;
          workers.retire(slot, 'idle');
        }, settings.idleTimeoutMs).unref();
      }
    }
    this.dispatch();
  }

  /** An idle worker leaves the idle list (it is retired, or it died). */
  leaveIdle(slot: WorkerSlot): void {
    this.#idle.splice(this.#idle.indexOf(slot), 1);
  }

  /**
   * A worker with nothing to do takes a task posted ahead to a busy one that has not claimed it
   * (withdrawn in one compare-exchange), so no task waits behind a long one while a worker idles.
   */
  #steal(slot: WorkerSlot): boolean {
    for (const other of this.#pool.workers.slots) {
      const task = other.ahead[0];
      if (other === slot || task === undefined || !this.withdraw(other, task)) continue;
      other.ahead.shift();
      busyNow(slot);
      if (slot.state === 'starting') slot.move('idle');
      if (slot.state === 'idle') slot.move('busy');
      slot.task = task;
      this.#give(slot, task);
      this.#post();
      return true;
    }
    return false;
  }
}

/**
 * `slot`'s worker leaves idle: its idle timer is left to run (it does nothing while the worker is
 * busy, and idleNow() restarts it), unless it cannot be restarted (a delay beyond setTimeout's).
 */
function busyNow(slot: WorkerSlot): void {
  const timer = slot.idleTimer;
  if (timer !== undefined && !('refresh' in timer)) {
    clearLongTimeout(timer);
    slot.idleTimer = undefined;
  }
}
