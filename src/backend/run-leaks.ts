// Leak detection in a pool worker: what a task left behind that keeps the thread's event loop alive for good.

/**
 * Requests in flight (a file being closed after an import, a write, a DNS lookup): they end by
 * themselves, so a task that leaves one does not dirty its worker. Handles (timers, sockets,
 * servers, child processes) are what keeps a loop alive for good.
 */
const TRANSIENT = /Req(Callback|Promise|Wrap)?$|^(WriteWrap|ShutdownWrap|ConnectWrap)$/;

/** What keeps this thread's event loop alive for good now, counted by kind (process.getActiveResourcesInfo()). */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (!TRANSIENT.test(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** What a task left behind that keeps the loop alive, e.g. "1 Timeout, 1 TCPServerWrap"; undefined when nothing. */
export function leftBehind(before: Map<string, number>, after: Map<string, number>): string | undefined {
  const extra: string[] = [];
  for (const [kind, count] of after) {
    const more = count - (before.get(kind) ?? 0);
    if (more > 0) extra.push(`${more} ${kind}`);
  }
  return extra.length === 0 ? undefined : extra.join(', ');
}
