// A pool's hold on the program: its workers ref'd only while there is work, and the end of its shutdown.

import type { Dispatch } from './dispatch.js';
import type { Pool, PoolLifetime } from './pool.js';

/** Whether a pool holds the program open, and when its shutdown is done. */
export class Lifetime implements PoolLifetime {
  readonly #pool: Pool;
  readonly #dispatch: Dispatch;
  /** Called once the shutdown is done (every worker gone). */
  readonly #onDone: () => void;
  #shutdown = false;
  #shutdownDone: Promise<void> | undefined;
  #markShutDown: (() => void) | undefined;
  /** Whether the workers are ref'd: only while there is work (queued or running) or a shutdown to finish. */
  #reffed = false;
  /** Lets the workers go once the pool has stayed idle for a turn of the event loop (#updateRefs). */
  #letGo: NodeJS.Immediate | undefined;

  constructor(pool: Pool, dispatch: Dispatch, onDone: () => void) {
    this.#pool = pool;
    this.#dispatch = dispatch;
    this.#onDone = onDone;
  }

  get shuttingDown(): boolean {
    return this.#shutdown;
  }

  get reffed(): boolean {
    return this.#reffed;
  }

  /** No new work from now on. Returns the shutdown's wait, the same promise every call. */
  shutDown(): Promise<void> {
    this.#shutdown = true;
    return (this.#shutdownDone ??= new Promise((resolve) => (this.#markShutDown = resolve)));
  }

  changed(): void {
    this.updateRefs();
    this.checkShutdown();
  }

  /**
   * The workers hold the program open only while there is work, or a shutdown waits for them. They
   * are let go one turn of the event loop after the pool fell idle (an unref'd immediate: the ref'd
   * workers keep the loop turning until it runs), so that a program that submits task after task
   * does not ref and unref every worker for each.
   */
  updateRefs(): void {
    if (this.#holds()) {
      if (this.#reffed) return;
      this.#reffed = true;
      for (const slot of this.#pool.workers.slots) slot.transport.ref();
      return;
    }
    if (!this.#reffed || this.#letGo !== undefined) return;
    this.#letGo = setImmediate(() => {
      this.#letGo = undefined;
      if (!this.#reffed || this.#holds()) return;
      this.#reffed = false;
      for (const slot of this.#pool.workers.slots) slot.transport.unref();
    });
    this.#letGo.unref();
  }

  /** Whether the pool has work (queued or running) or a shutdown to finish. */
  #holds(): boolean {
    return (
      this.#dispatch.queued > 0 || this.#pool.count.onWorkers > 0 || (this.#shutdownDone !== undefined && this.#pool.workers.slots.size > 0)
    );
  }

  checkShutdown(): void {
    if (!this.#shutdown || this.#dispatch.queued > 0 || this.#pool.count.onWorkers > 0) return;
    const workers = this.#pool.workers;
    for (const slot of [...workers.slots]) if (slot.state === 'idle' || slot.state === 'starting') workers.retire(slot);
    if (workers.slots.size === 0) {
      this.#onDone();
      this.#reffed = false;
      clearImmediate(this.#letGo);
      this.#letGo = undefined;
      this.#markShutDown?.();
    }
  }
}
