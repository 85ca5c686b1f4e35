// A task of a pool: its id, its future, the encoded message, and where it is.

import type { LongTimer } from '../internal/timers.js';
import type { EncodedTask } from '../internal/transport/transport.js';
import type { ServedObjects } from '../shared/serve.js';
import type { Future } from './future.js';
import type { WorkerSlot } from './worker-slot.js';

export interface Job {
  readonly id: number;
  readonly future: Future<unknown>;
  readonly encoded: EncodedTask;
  /** The worker running it; undefined while queued. */
  slot: WorkerSlot<Job> | undefined;
  /** True once it left the queue (given to a worker, or cancelled there). */
  dequeued: boolean;
  /** Its target has begun (a child said `running`; a worker thread claimed it in its handover). */
  began: boolean;
  /** Its cell in its worker thread's handover while it is given to one (cancel-flag.ts). */
  cell: number | undefined;
  /** It went back to the queue once because its worker died before the target began (at most once: a task that kills its worker while it loads fails). */
  requeued?: boolean;
  /** cancel() was called: the reason it gets, as the outcome's reason. */
  cancel: { reason: unknown } | undefined;
  /** stop()'s grace period, after which its worker is terminated. */
  graceTimer: LongTimer | undefined;
  /** The run() signal it listens to. */
  signal: AbortSignal | undefined;
  /** A process-pool task's shared objects, served by this process while it runs (src/shared/pool-serve.ts). */
  served?: ServedObjects;
}
