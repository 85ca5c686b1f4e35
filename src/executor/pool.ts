// What a pool's rooms share: its settings, its count of tasks on a worker, and the calls a room makes to the rooms above it.

import type { ThreadCrashedError } from '../errors.js';
import type { Outcome } from '../core/settlement.js';
import type { Task, TaskCount } from './task-state.js';
import type { WorkerSlot as Slot } from './worker-slot.js';
import type { WorkerExitReason } from '../observe/channels.js';

/** A worker of a pool, running Tasks. */
export type WorkerSlot = Slot<Task>;

/** A pool's settings, validated (options.ts). */
export interface PoolSettings {
  readonly name: string;
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeoutMs: number;
  readonly maxTasksPerWorker: number;
  readonly graceMs: number;
}

/** What workers.ts offers the rooms below it (dispatch.ts). */
export interface PoolWorkers {
  /** Live workers, starting ones included. */
  readonly slots: ReadonlySet<WorkerSlot>;
  /** Workers started and not yet serving: each will take a queued task. */
  readonly starting: number;
  /** Why the pool is broken (a worker could not be made ready): pending and later tasks fail with it. */
  readonly broken: ThreadCrashedError | undefined;
  /** Starts one more worker. */
  spawn(): void;
  /** Ends an idle or starting worker the pool no longer needs (`reason` for `worker:exit`; default 'shutdown'). */
  retire(slot: WorkerSlot, reason?: WorkerExitReason): void;
}

/** What lifetime.ts offers the rooms below it. */
export interface PoolLifetime {
  /** shutdown() was called. */
  readonly shuttingDown: boolean;
  /** Whether the workers are ref'd now (a new worker is ref'd too). */
  readonly reffed: boolean;
  /** After a change: refs the workers while there is work, and ends a shutdown that has nothing left to wait for. */
  changed(): void;
  /** Ends a shutdown that has nothing left to wait for. */
  checkShutdown(): void;
}

/** The context of one pool's rooms. `workers` and `lifetime` are set by executor.ts once it made them. */
export class Pool {
  readonly settings: PoolSettings;
  /** Tasks on a worker (offered, running, cancelling): kept by Task#move alone. */
  readonly count: TaskCount = { onWorkers: 0 };
  /** Settles a task's future, once, and counts it (executor.ts). */
  readonly end: (task: Task, outcome: Outcome) => void;
  workers!: PoolWorkers;
  lifetime!: PoolLifetime;

  constructor(settings: PoolSettings, end: (task: Task, outcome: Outcome) => void) {
    this.settings = settings;
    this.end = end;
  }
}
