// Shared-memory handshakes between a test and its thread: no sleeps, an Int32Array the thread sets.

type WaitAsync = (
  typedArray: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };

const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** A fresh shared Int32Array of `slots` zeros; pass it in `args`, the thread sees the same memory. */
export function newFlag(slots = 1): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * slots));
}

/** Resolves once `flag[index]` is no longer 0; rejects after `timeoutMs`. */
export async function waitFlag(flag: Int32Array, index = 0, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = Atomics.load(flag, index);
    if (value !== 0) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`flag[${index}] was still 0 after ${timeoutMs} ms`);
    const waited = waitAsync(flag, index, 0, left);
    if (waited.async) await waited.value;
  }
}

interface Joinable {
  readonly name: string;
  readonly outcome: unknown;
  join(): Promise<boolean>;
}

/**
 * Resolves once the thread has set `flag[index]` (its target is running, at a known point).
 * Rejects with the thread's outcome when it ended before that, instead of waiting for a timeout.
 */
export async function reached(thread: Joinable, flag: Int32Array, index = 0): Promise<void> {
  const ended = thread.join().then(() => {
    if (Atomics.load(flag, index) !== 0) return;
    throw new Error(`${thread.name} ended before reaching flag[${index}]: ${show(thread.outcome)}`);
  });
  await Promise.race([waitFlag(flag, index), ended]);
}

/** A readable rendering of an outcome or error for assertion messages. */
export function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
  } catch {
    return String(value);
  }
}
