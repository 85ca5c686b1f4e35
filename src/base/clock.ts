// The machine's monotonic clock, shared by every thread and child process, and this thread's performance.now() timebase.

/** This thread's reading of the machine's monotonic clock, in ms (process.hrtime where there is one). */
function hrtimeMs(): number {
  const hr = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime?.bigint;
  return hr !== undefined ? Number(hr()) / 1e6 : performance.timeOrigin + performance.now();
}

/** machine monotonic ms − performance.now() of this thread: measured once, from the closest of a few paired readings. */
const OFFSET = ((): number => {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 5; i += 1) {
    const before = performance.now();
    const hr = hrtimeMs();
    const after = performance.now();
    if (after - before < best) {
      best = after - before;
      offset = hr - (before + after) / 2;
    }
  }
  return offset;
})();

/** Now on the machine's monotonic clock (ms): what a thread or child sends so that its owner can place it on its own timebase. */
export function monoNow(): number {
  return performance.now() + OFFSET;
}

/** A reading of monoNow() (in any thread or child process of this machine) in this thread's performance.now() timebase. */
export function fromMono(mono: number): number {
  return mono - OFFSET;
}
