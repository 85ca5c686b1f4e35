// Swapping the excepthook for the length of one test: a quiet or a recording hook, the old one put back.

import { Thread, type ExceptHookInfo } from 'threadkit';

/**
 * Runs `body` with `hook` as Thread.excepthook (one hook with Process.excepthook), then puts the
 * previous hook back, also when `body` throws.
 */
export async function withExcepthook<V>(hook: (info: ExceptHookInfo) => void, body: () => Promise<V>): Promise<V> {
  const saved = Thread.excepthook;
  Thread.excepthook = hook;
  try {
    return await body();
  } finally {
    Thread.excepthook = saved;
  }
}
