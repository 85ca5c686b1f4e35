// What the lifecycle and the pools need from a backend (worker thread or child process): the Backend value and its transports.

import type { PoolServer } from '../serve/pool-serve.js';
import type { ServedObjects } from '../serve/serve.js';
import type { FromThread, TargetSpec, ThreadInfo, ToThread } from '../wire/protocol.js';

/** How a thread ended, as the backend saw it. */
export interface ExitInfo {
  /** Exit code as reported by the platform (not to be trusted on its own). */
  readonly exitCode: number | null;
  /** Signal that ended a child process. */
  readonly signal: NodeJS.Signals | null;
  /** An error the backend reported (out of memory, creation failure, uncaught bootstrap error). */
  readonly error: unknown;
}

/** Callbacks from a running backend to its lifecycle. */
export interface TransportHooks {
  /** A message from the thread, in the order it was sent. All of them arrive before `onExit`. */
  message(message: FromThread): void;
  /** The thread is gone; called once. */
  exit(info: ExitInfo): void;
}

/** What the lifecycle starts a backend with. */
export interface LaunchSpec {
  readonly target: TargetSpec;
  readonly args: unknown[];
  /** `ident` is set only where it is known before launch (a Process's thread reports the pid). */
  readonly info: Omit<ThreadInfo, 'ident'> & { ident?: number };
  readonly daemon: boolean;
  readonly resourceLimits: ResourceLimits | undefined;
  /** `--import` preloads to run in the thread; default: this process's. */
  readonly preloads?: readonly string[];
  /** A Process's shared objects, which its parent serves (src/serve/serve.ts); undefined when it has none. */
  readonly served?: ServedObjects;
}

export interface ResourceLimits {
  readonly maxOldGenerationSizeMb?: number;
  readonly maxYoungGenerationSizeMb?: number;
  readonly codeRangeSizeMb?: number;
  readonly stackSizeMb?: number;
}

/** A started backend. */
export interface Transport {
  /** Thread id or pid; null when the backend could not be created. */
  readonly ident: number | null;
  /** Cooperative: raise the thread's cancel flag (and send the reason). */
  cancel(reason: unknown): void;
  /** Forced: stop the thread now. `exit` follows. */
  terminate(): void;
  /** Keep (or stop keeping) this process alive while the thread runs. */
  ref(): void;
  unref(): void;
}

/** What a pool starts a worker (thread or child) with. */
export interface PoolLaunchSpec {
  /** `ident` is filled in by the worker (thread id or pid). */
  readonly info: Omit<ThreadInfo, 'ident'>;
  readonly initializer: { readonly target: TargetSpec; readonly args: unknown[] } | undefined;
  /** Whether the worker must register the TypeScript loader (task modules are TypeScript). */
  readonly typescript: boolean;
  /** Pool workers never keep the program alive by themselves: the pool refs them while they work. */
  readonly daemon: true;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly preloads?: readonly string[];
  /** A process pool's worker: the server of its tasks' shared objects (its served-objects socket is opened at its start). */
  readonly served?: PoolServer;
}

/** A started pool worker: tasks go in by id, cancels name the task. */
export interface PoolTransport {
  /** Thread id or pid; null when the backend could not be created. */
  readonly ident: number | null;
  /**
   * Gives the worker task messages encoded by the backend's `encodeTask` (checked sendable at
   * submit), to run in this order; `cell` is where each was offered in the handover (threads).
   * Several go as one message where the backend can.
   */
  post(tasks: readonly PostedTask[]): void;
  /** Cooperative: raise task `id`'s cancel flag (and send the reason). */
  cancel(id: number, reason: unknown): void;
  /** Forced: stop the worker now. `exit` follows. */
  terminate(): void;
  ref(): void;
  unref(): void;
  /**
   * The worker's own CPU time and heap, where the runtime offers them per worker (Node 24+'s
   * worker.cpuUsage()/getHeapStatistics(); a child's own readings); the keys it lacks are absent.
   */
  usage?(): Promise<WorkerUsage>;
  /**
   * Where the worker shares memory with the owner (threads): the handover of cancel-flag.ts, of
   * `cells` cells. `offer` in a free cell before posting the task; `withdraw` is true when it had
   * not begun; `claimed` is true once it has begun (or was withdrawn).
   */
  readonly handover?: {
    readonly cells: number;
    offer(cell: number, id: number): void;
    withdraw(cell: number, id: number): boolean;
    claimed(cell: number, id: number): boolean;
  };
}

/** How long a pool waits for a worker's own readings (PoolTransport#usage) before it leaves them out. */
export const USAGE_WAIT_MS = 100;

/** A pool worker's own readings (PoolTransport#usage). */
export interface WorkerUsage {
  cpuUserUs?: number;
  cpuSystemUs?: number;
  heapUsed?: number;
}

/** A task on its way to a pool worker: its encoded message, and its handover cell (threads). */
export interface PostedTask {
  readonly encoded: EncodedTask;
  readonly cell: number | undefined;
}

/** A `task` message as a backend sends it: the message itself (threads), or its serialized bytes (children). */
export type EncodedTask = { readonly brand: 'EncodedTask' };

/**
 * A backend as a value: how to start a worker (alone or in a pool), how a pool task is encoded,
 * what can be sent, and where shared objects live. Thread and ThreadPoolExecutor take the worker
 * thread's (backend/worker.ts), Process and ProcessPoolExecutor the child process's
 * (backend/child.ts); the lifecycle and the executor never ask which one they have.
 */
export interface Backend<T extends Transport = Transport> {
  /** What a task runs in, for messages: `'thread'`, `'process'`. */
  readonly where: string;
  /**
   * Where the shared objects of `args` live: `'memory'`, the same memory on both sides (they travel
   * as markers of it), or `'served'`, this process serves them to the worker over a socket.
   */
  readonly shares: 'memory' | 'served';
  /** Starts one worker running `spec`. Throws (DataCloneError) before creating anything when the start message cannot be sent. */
  readonly start: (spec: LaunchSpec, hooks: TransportHooks) => T;
  /** Starts one pool worker. */
  readonly startPool: (spec: PoolLaunchSpec, hooks: TransportHooks) => PoolTransport;
  /** A pool task's message as this backend sends it. Throws DataCloneError when it cannot be sent. */
  readonly encodeTask: (message: Extract<ToThread, { kind: 'task' }>) => EncodedTask;
  /** Whether one value can travel to this backend. */
  readonly sendable: (value: unknown) => boolean;
  /** A copy of a pool task's args as they travel, taken when submit() accepts them (API.md §12). */
  readonly copyArgs: (args: readonly unknown[]) => unknown[];
}
