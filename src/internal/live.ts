// The live Thread and Process objects started from this thread, for enumerate() and stopAll().

/** What enumerate() lists and stopAll() stops. */
export interface LiveThread {
  readonly name: string;
  stop(options?: { graceMs?: number }): Promise<unknown>;
}

export const live = new Set<LiveThread>();
