// Messages between the owning side and a thread: one discriminated union each way, tasks named by id.

/** How the thread finds its target. */
export type TargetSpec =
  /** A function declared with `task(moduleUrl, fn)`: import the module, look up `key` in the task registry. */
  | { kind: 'task'; module: string; key: string; name: string }
  /** `{ module, name }`: import the module (URL, or a bare specifier resolved from the working directory), take the export. */
  | { kind: 'module'; module: string; name: string }
  /** A plain function sent as its source text. */
  | { kind: 'source'; source: string; name: string }
  /** A Thread/Process subclass overriding `run()`: its methods as source, its data fields cloned. */
  | { kind: 'subclass'; methods: Record<string, string>; fields: Record<string, unknown>; className: string };

/** Who the thread is, as `currentThread()` reports it inside. */
export interface ThreadInfo {
  readonly name: string;
  readonly ident: number;
  readonly daemon: boolean;
  readonly isMain: boolean;
}

/**
 * Task ids: a Thread or Process runs one task, `THREAD_TASK`; a pool worker runs tasks 1, 2, 3, ...
 * as its owner numbers them (ids are unique per worker, never 0: 0 means "no task" in the cancel flag).
 */
export const THREAD_TASK = 1;

/** Owner -> thread. A Thread's first message is `start`, a pool worker's `serve`; `cancel` may follow. */
export type ToThread =
  | { kind: 'start'; target: TargetSpec; args: unknown[]; info: Omit<ThreadInfo, 'ident'> & { ident?: number } }
  /** A pool worker: who it is, and the initializer to run once before its first task. */
  | {
      kind: 'serve';
      info: Omit<ThreadInfo, 'ident'> & { ident?: number };
      initializer: { target: TargetSpec; args: unknown[] } | undefined;
    }
  /**
   * A pool worker: run this task (one at a time: the next comes after its ending). With `each`,
   * `args[0]` is a chunk of items: the target is called on each and the ending's value is the array of results.
   * A pool child gets it as is; a pool worker thread gets its tasks as a `TaskBatch`.
   * With `cell` (a worker thread), the worker claims it in that cell of its handover before it
   * begins, and skips it without a word when the owner withdrew it (cancel-flag.ts); it then says
   * nothing before the target begins (the claim tells the owner). Without (a child), it sends `running`.
   */
  | TaskMessage
  /** The reason of task `id`'s cancel; the cancel flag was raised before it was posted. */
  | { kind: 'cancel'; id: number; reason: unknown }
  /** Parent -> child process, the answer to `ready`: run the target (`go: true`) or not, it was cancelled. */
  | { kind: 'begin'; go: boolean }
  /** Parent -> pool child: send your own CPU time and heap (`usage`), when your event loop is free. */
  | { kind: 'usage' };

/** One task for a pool worker (see ToThread). */
export type TaskMessage = { kind: 'task'; id: number; target: TargetSpec; args: unknown[]; each?: boolean; cell?: number };

/**
 * Tasks as they travel to a pool worker thread, run in this order: one message for several, each
 * a tuple, because structured clone copies an array of numbers several times faster than objects
 * with keys. A target travels once per worker: `spec` comes with the first task that uses `ref`
 * (the worker keeps it), later tasks name `ref` only; `ref` -1 always carries its spec.
 */
export type TaskBatch = TaskTuple[];
export type TaskTuple = [id: number, ref: number, args: unknown[], cell: number, each: 0 | 1, spec?: TargetSpec];

/** An error or thrown value as it crosses back (see serialize.ts). */
export type SerializedThrown =
  | {
      kind: 'error';
      /** Constructor name when it is a built-in or threadkit error class, else '' */
      builtin: string;
      name: string;
      message: string;
      stack: string | undefined;
      cause: SerializedThrown | undefined;
      hasCause: boolean;
      props: Record<string, unknown>;
      /** An AggregateError's `errors`, each serialized as a thrown value is. */
      errors?: SerializedThrown[];
    }
  | { kind: 'value'; value: unknown };

/** Why a pool worker leaves after a task instead of taking the next one. */
export type RetireReason = string | undefined;

/** Thread -> owner. */
export type FromThread =
  /** Task `id`'s target is about to run (a Thread, a Process, a pool child; not a pool worker thread, whose claim says it); `t0` as an ending's. */
  | { kind: 'running'; id: number; t0: number }
  /** Child process -> parent: the target is loaded; may it begin? (A cancel may be on its way.) */
  | { kind: 'ready' }
  /** A pool worker is up (its initializer, if any, succeeded) and takes tasks. */
  | { kind: 'serving' }
  /** A pool worker's initializer failed: the pool is broken. The worker leaves. */
  | { kind: 'init-failed'; error: SerializedThrown }
  /** Something the thread wrote to stdout or stderr. */
  | { kind: 'output'; stream: 'stdout' | 'stderr'; chunk: string | Uint8Array }
  /**
   * The target returned (or its promise resolved). `retire`: the worker leaves after it, and why.
   * `t0`/`t1` (every ending whose target began): when it began and ended, on the machine's
   * monotonic clock (base/clock.ts's monoNow()), read in the thread that ran it.
   */
  | { kind: 'completed'; id: number; value: unknown; retire?: RetireReason; t0?: number; t1?: number }
  /** The target threw (or its promise rejected), or an error from a timer ended it. */
  | { kind: 'failed'; id: number; error: SerializedThrown; retire?: RetireReason; t0?: number; t1?: number }
  /**
   * The target gave up because it was cancelled. `reason`: only from a Process's child whose own
   * SIGINT cancelled it (`'SIGINT'`), which the owner did not ask for; otherwise the owner's cancel says why.
   */
  | { kind: 'cancelled'; id: number; reason?: 'SIGINT'; retire?: RetireReason; t0?: number; t1?: number }
  /** The target of task `id` called `process.exit(code)`. */
  | { kind: 'exit-called'; id: number; code: number }
  /**
   * The thread started a child process (`alive`), or it has ended: the owner kills it when the
   * thread ends first; its whole process group when `group` (it was spawned detached, as a Process is).
   */
  | { kind: 'child'; pid: number; alive: boolean; group?: boolean }
  /** Pool child -> parent, the answer to `usage`: its process's CPU time (µs) and heap in use (bytes). */
  | { kind: 'usage'; cpuUserUs: number; cpuSystemUs: number; heapUsed: number };

/** The three ways a task reports its end. */
export type Ending = Extract<FromThread, { kind: 'completed' | 'failed' | 'cancelled' }>;

/** A child process's control socket (stdio fd): see `ControlFrame`. */
export const CONTROL_FD = 4;

/**
 * Frames on a child's control socket (their bytes: control-frame.ts): parent -> child `cancel`
 * (read by the child's watcher thread, which raises the flag), child -> parent `exit-called`
 * (written synchronously from process.exit) and `bye` (the child is exiting: the parent closes
 * its end, which ends the watcher's blocking read).
 */
export type ControlFrame =
  { kind: 'cancel'; id: number; reason: unknown } | { kind: 'exit-called'; id: number; code: number } | { kind: 'bye' };

/** Compile-time exhaustiveness for `switch (msg.kind)`. */
export function assertNever(value: never): never {
  throw new Error(`threadkit internal error: unexpected message ${JSON.stringify(value)}`);
}

/** The classes of the shared objects (src/shared/), by name: what a marker or a served object says it is. */
export type Kind = 'Event' | 'Lock' | 'RLock' | 'Semaphore' | 'BoundedSemaphore' | 'Condition' | 'Barrier' | 'Queue';
