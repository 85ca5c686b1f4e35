// The target kinds the lifecycle fuzz runs, each with what it does on its own and on cancel().

// Plain-function targets travel as source text: each body is self-contained and sees only its
// arguments and threadkit's in-thread functions by name (imported here for the types only).
// Every target first adds 1 to `ran[0]`: a Thread's owner reads it back (shared memory) to prove
// that a target runs at most once, and never when it was cancelled or terminated before it began.
import { cancelled, checkpoint, sleepSync } from 'threadkit';

/** Returns `token` at once. */
function returnsAtOnce(ran: Int32Array, token: number): number {
  Atomics.add(ran, 0, 1);
  return token;
}

/** Blocks in sleepSync(Infinity) until cancelled, then checkpoint() ends it cancelled. */
function sleepsUntilCancelled(ran: Int32Array): never {
  Atomics.add(ran, 0, 1);
  sleepSync(Infinity);
  checkpoint();
  throw new Error('sleepSync(Infinity) returned without a cancel');
}

/** Checks cancelled() in a loop and returns how many rounds it made: a partial result. */
function pollsThenReturnsPartial(ran: Int32Array): number {
  Atomics.add(ran, 0, 1);
  let rounds = 0;
  while (!cancelled()) rounds += 1;
  return rounds;
}

/** Ignores cancel and spins: only terminate() (or stop() after its grace) ends it. */
function ignoresCancelAndSpins(ran: Int32Array): never {
  Atomics.add(ran, 0, 1);
  for (;;);
}

/** Throws at once. */
function throwsAtOnce(ran: Int32Array, token: number): never {
  Atomics.add(ran, 0, 1);
  throw new Error(`boom ${token}`);
}

/** Rejects a few milliseconds later, from a timer, without looking at cancel. */
async function rejectsLater(ran: Int32Array, token: number): Promise<never> {
  Atomics.add(ran, 0, 1);
  await new Promise((resolve) => setTimeout(resolve, 3));
  throw new Error(`boom ${token}`);
}

/** What a target kind does, as the model needs it. */
export interface TargetKind {
  readonly name: string;
  readonly fn: (ran: Int32Array, token: number) => unknown;
  /** How it ends when left alone once it has begun: 'completed', 'failed', or never (null). */
  readonly alone: 'completed' | 'failed' | null;
  /** How it ends when cancelled while it runs: its own ending (null: it ignores cancel). */
  readonly onCancel: 'completed' | 'failed' | 'cancelled' | null;
  /** Whether `value` is what it completes with for `token`. */
  completesWith(value: unknown, token: number): boolean;
}

const isRounds = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/** The six kinds of issue 11 item 13, by name. */
export const TARGETS = {
  returns: {
    name: 'returns',
    fn: returnsAtOnce,
    alone: 'completed',
    onCancel: 'completed',
    completesWith: (value, token) => value === token,
  },
  sleeps: {
    name: 'sleeps',
    fn: sleepsUntilCancelled,
    alone: null,
    onCancel: 'cancelled',
    completesWith: () => false,
  },
  polls: {
    name: 'polls',
    fn: pollsThenReturnsPartial,
    alone: null,
    onCancel: 'completed',
    completesWith: isRounds,
  },
  spins: {
    name: 'spins',
    fn: ignoresCancelAndSpins,
    alone: null,
    onCancel: null,
    completesWith: () => false,
  },
  throws: {
    name: 'throws',
    fn: throwsAtOnce,
    alone: 'failed',
    onCancel: 'failed',
    completesWith: () => false,
  },
  rejects: {
    name: 'rejects',
    fn: rejectsLater,
    alone: 'failed',
    onCancel: 'failed',
    completesWith: () => false,
  },
} as const satisfies Record<string, TargetKind>;

export type TargetName = keyof typeof TARGETS;

/** Whether `error` is the error a failing kind throws for `token` (rebuilt on this side). */
export function isTargetError(error: unknown, token: number): boolean {
  return error instanceof Error && error.name === 'Error' && error.message === `boom ${token}`;
}
