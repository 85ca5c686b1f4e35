// Messages between the owning side and a thread: one discriminated union each way.

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

/** Owner -> thread. The first message is always `start`; `cancel` may follow. */
export type ToThread =
  | { kind: 'start'; target: TargetSpec; args: unknown[]; info: Omit<ThreadInfo, 'ident'> & { ident?: number } }
  | { kind: 'cancel'; reason: unknown }
  /** Parent -> child process, the answer to `ready`: run the target (`go: true`) or not, it was cancelled. */
  | { kind: 'begin'; go: boolean };

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
    }
  | { kind: 'value'; value: unknown };

/** Thread -> owner. */
export type FromThread =
  /** The target is about to run. */
  | { kind: 'running' }
  /** Child process -> parent: the target is loaded; may it begin? (A cancel may be on its way.) */
  | { kind: 'ready' }
  /** Something the thread wrote to stdout or stderr. */
  | { kind: 'output'; stream: 'stdout' | 'stderr'; chunk: string | Uint8Array }
  /** The target returned (or its promise resolved). */
  | { kind: 'completed'; value: unknown }
  /** The target threw (or its promise rejected), or an error from a timer ended it. */
  | { kind: 'failed'; error: SerializedThrown }
  /** The target gave up because it was cancelled. */
  | { kind: 'cancelled' }
  /** The target called `process.exit(code)`. */
  | { kind: 'exit-called'; code: number }
  /**
   * The thread started a child process (`alive`), or it has ended: the owner kills it when the
   * thread ends first; its whole process group when `group` (it was spawned detached, as a Process is).
   */
  | { kind: 'child'; pid: number; alive: boolean; group?: boolean };

/** A child process's control socket (stdio fd): parent -> child cancels, child -> parent `exit N` notices. */
export const CONTROL_FD = 4;

/** Compile-time exhaustiveness for `switch (msg.kind)`. */
export function assertNever(value: never): never {
  throw new Error(`threadkit internal error: unexpected message ${JSON.stringify(value)}`);
}
