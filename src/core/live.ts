// The live Thread and Process objects started from this thread, for enumerate() and stopAll().

/** What enumerate() lists and stopAll() stops. */
export interface LiveThread {
  readonly name: string;
  stop(options?: { graceMs?: number }): Promise<unknown>;
}

export const live = new Set<LiveThread>();

/** What stopAll() stops besides threads: the executors not yet shut down (workers gone). */
export interface LivePool {
  readonly name: string;
  stop(options?: { graceMs?: number }): Promise<void>;
}

export const pools = new Set<LivePool>();
