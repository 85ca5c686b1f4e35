// Introspection on the owning side: mainThread(), enumerate(), activeCount().

import { MAIN_THREAD } from './memory/context.js';
import { live } from './core/live.js';
import type { ThreadInfo } from './wire/protocol.js';
import type { Process } from './process.js';
import type { Thread } from './thread.js';

/** `{ name: 'MainThread', ident: 0, daemon: false, isMain: true }`: the program's main thread. */
export function mainThread(): ThreadInfo {
  return MAIN_THREAD;
}

/** The live Thread and Process objects started from this thread (started and not yet ended). */
export function enumerate(): Array<Thread | Process> {
  return [...live] as Array<Thread | Process>;
}

/** How many threads enumerate() lists; unlike Python, the calling thread itself is not counted. */
export function activeCount(): number {
  return live.size;
}
