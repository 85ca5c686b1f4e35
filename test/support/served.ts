// What shared objects hold in this process, for leak checks: objects served to child processes, wake-table blocks in use.

/** Tables of objects this process serves to Processes and process-pool tasks (src/serve/serve.ts). */
export function servedCount(): number {
  return ((globalThis as Record<symbol, Set<unknown> | undefined>)[Symbol.for('threadkit.shared.served.v1')] ?? new Set()).size;
}

/** Blocks of the wake table in use (src/memory/wake-table.ts, its IN_USE slot). */
export function blocksInUse(): number {
  const table = (globalThis as Record<symbol, Int32Array | undefined>)[Symbol.for('threadkit.wake-table.v1')];
  return table === undefined ? 0 : Atomics.load(table, 1);
}
