// The Redis keys and pub/sub channels of one distributed queue (beside BullMQ's own `bull:<queue>:*`).

/** Where one queue keeps threadkit's records: job records, cancel records, host liveness, two channels. */
export interface QueueKeys {
  /** Hash of job `id`: `st` (queued | running | ended), `host`, `starts`, `bj` (its current BullMQ job id), `out` (its outcome). */
  record(id: string): string;
  /** A cancel asked for job `id` (v8: { reason, graceMs }): what a host checks before the target begins. */
  cancel(id: string): string;
  /** Liveness of host `name`: present while it lives (PX hostTimeoutMs, refreshed every third). */
  host(name: string): string;
  /** Channel: a job began on a host, or ended (v8 JobEvent). */
  readonly events: string;
  /** Channel: a job was cancelled or stopped (v8 CancelMessage): for the host that runs it. */
  readonly cancels: string;
}

export function queueKeys(queue: string): QueueKeys {
  const base = `threadkit:{${queue}}`;
  return {
    record: (id) => `${base}:job:${id}`,
    cancel: (id) => `${base}:cancel:${id}`,
    host: (name) => `${base}:host:${name}`,
    events: `${base}:events`,
    cancels: `${base}:cancels`,
  };
}
