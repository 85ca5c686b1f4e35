// The child-process backend: a child Node.js process running the target on its main thread.
//
// Shared memory cannot cross processes: results and messages travel over IPC, cancels over a
// control socket that a watcher thread in the child reads (see entry/child.ts), so a cancel
// reaches a child blocked in sleepSync() in one message hop plus a shared-memory wake, and the
// child notices at once when its parent is gone.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';
import { bootstrapSource, entrySource, entryUrl, childExecArgv, isTypeScript, parentPreloads, type BootData } from './bootstrap.js';
import { SERVE_FD } from '../wire/remote-protocol.js';
import type { ServedObjects } from '../serve/serve.js';
import { getContext } from '../memory/context.js';
import { encodeFrame, FrameReader } from '../wire/control-frame.js';
import { CONTROL_FD, THREAD_TASK, assertNever, type FromThread, type ToThread } from '../wire/protocol.js';
import { cloneFailure } from './unsendable.js';
import type {
  Backend,
  EncodedTask,
  LaunchSpec,
  PoolLaunchSpec,
  PoolTransport,
  Transport,
  TransportHooks,
  WorkerUsage,
} from './transport.js';

/** The entry's URL: found at the first start (bootstrap.ts); undefined when threadkit runs bundled. */
let entry: { readonly url: string | undefined } | undefined;
/** Whether each child leads its own process group (POSIX), signalled as a whole. */
const GROUPS = process.platform !== 'win32';
/** How long terminate() lets a child handle SIGTERM before SIGKILL. */
export const TERMINATE_LINGER_MS = 1000;

/** Every child still running, killed when this process exits (belt and braces: children also watch their control socket). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A started child, with what Process adds: pid, exit code, signal, SIGKILL. */
export interface ChildTransport extends Transport {
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(): void;
}

/** Whether `value` can cross the IPC channel (advanced serialization). */
export function ipcCloneable(value: unknown): boolean {
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of `args` as a child process will receive them (v8's serializer, as IPC sends them).
 * @throws {DOMException} DataCloneError when an argument cannot be serialized.
 */
export function copyForChild(args: readonly unknown[]): unknown[] {
  try {
    return deserialize(serialize(args)) as unknown[];
  } catch (error) {
    throw cloneFailure(error);
  }
}

/**
 * Starts `spec` in a new child process.
 * @throws {DOMException} DataCloneError, before spawning, when the start message cannot be sent.
 */
export function startChild(spec: LaunchSpec, hooks: TransportHooks): ChildTransport {
  const start: ToThread = { kind: 'start', target: spec.target, args: spec.args, info: spec.info };
  const typescript = 'module' in spec.target && isTypeScript(spec.target.module);
  let cancelled = false;
  const child = spawnChild(start, typescript, spec, hooks, (message) => {
    // The answer to `ready`: may the target begin, or was it cancelled first?
    if (message.kind !== 'ready') return false;
    const begin: ToThread = { kind: 'begin', go: !cancelled };
    child.post(begin);
    return true;
  });
  return {
    ident: child.ident,
    get exitCode() {
      return child.exitCode;
    },
    get signalCode() {
      return child.signalCode;
    },
    cancel(reason) {
      cancelled = true;
      child.cancel(THREAD_TASK, reason);
    },
    terminate: child.terminate,
    kill: child.kill,
    ref: child.ref,
    unref: child.unref,
  };
}

/** How long pool.metrics() waits for a pool child's own readings (it answers when its event loop is free). */
const USAGE_WAIT_MS = 100;

/** A started pool child: a pool worker that can also be killed at once. */
export interface PoolChildTransport extends PoolTransport {
  kill(): void;
}

/**
 * Starts a pool worker in a child process: it runs the initializer, says `serving`, then takes tasks.
 * @throws {DOMException} DataCloneError, before spawning, when the initializer's arguments cannot be sent.
 */
export function startPoolChild(spec: PoolLaunchSpec, hooks: TransportHooks): PoolChildTransport {
  const serve: ToThread = { kind: 'serve', info: spec.info, initializer: spec.initializer };
  // The answers to `usage`, in the order asked (one that timed out is still in line: its late answer goes to it).
  const asked: ((usage: WorkerUsage) => void)[] = [];
  const child = spawnChild(serve, spec.typescript, spec, hooks, (message) => {
    if (message.kind !== 'usage') return false;
    const { cpuUserUs, cpuSystemUs, heapUsed } = message;
    asked.shift()?.({ cpuUserUs, cpuSystemUs, heapUsed });
    return true;
  });
  return {
    /** The child's own readings; `{}` when it does not answer within USAGE_WAIT_MS (a task blocks its event loop). */
    usage: () =>
      new Promise<WorkerUsage>((resolve) => {
        const timer = setTimeout(() => resolve({}), USAGE_WAIT_MS);
        asked.push((usage) => {
          clearTimeout(timer);
          resolve(usage);
        });
        child.post({ kind: 'usage' });
      }),
    ident: child.ident,
    cancel: child.cancel,
    terminate: child.terminate,
    kill: child.kill,
    ref: child.ref,
    unref: child.unref,
    post: (tasks) => {
      for (const task of tasks) child.post(task.encoded as unknown as Buffer);
    },
  };
}

/**
 * A task message for a pool child, serialized once now (so submit can refuse what cannot be sent).
 * @throws {DOMException} DataCloneError when an argument cannot be serialized.
 */
export function encodeChildTask(message: Extract<ToThread, { kind: 'task' }>): EncodedTask {
  return serializeMessage(message) as unknown as EncodedTask;
}

/** A ToThread message serialized once, as the child receives it. */
export function serializeMessage(message: ToThread): Buffer {
  try {
    return serialize(message);
  } catch (error) {
    throw cloneFailure(error);
  }
}

interface SpawnedChild {
  readonly ident: number | null;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  readonly cancel: (id: number, reason: unknown) => void;
  readonly post: (message: ToThread | Buffer) => void;
  readonly terminate: () => void;
  readonly kill: () => void;
  readonly ref: () => void;
  readonly unref: () => void;
}

/** The child process, its control socket and its exit; `answer` takes the messages the transport itself answers. */
function spawnChild(
  first: ToThread,
  targetIsTypeScript: boolean,
  spec: Pick<LaunchSpec, 'daemon' | 'resourceLimits'> & { readonly served?: Pick<ServedObjects, 'attach' | 'close'> },
  hooks: TransportHooks,
  answer: (message: FromThread) => boolean,
): SpawnedChild {
  // Serialized once, before spawning: what cannot be sent starts nothing; the bytes are what the child gets.
  const startBytes = serializeMessage(first);
  const url = (entry ??= { url: entryUrl('child') }).url;
  const typescript = (url !== undefined && isTypeScript(url)) || targetIsTypeScript;
  const boot: BootData = { ...(url === undefined ? {} : { entry: url }), preloads: parentPreloads(), typescript };
  // In a bundled program the entry's source (about 100 KB: too long for one argument of -e) is
  // the first IPC message (bootstrap.ts), before anything else is sent.
  const source = url === undefined ? entrySource('child') : undefined;
  const child = spawn(
    process.execPath,
    [
      ...childExecArgv(typescript),
      ...heapFlags(spec.resourceLimits),
      '-e',
      bootstrapSource(JSON.stringify(boot), source === undefined ? 'undefined' : "'ipc'"),
    ],
    // stdin is not shared (as in Python's multiprocessing): a child must not compete for the program's input.
    // Detached: the child leads its own process group, so signals reach its own children too, and
    // the terminal's Ctrl-C (sent to the foreground group) reaches only this program, which decides.
    // fd 5: the served-objects socket, for a Process given shared objects and every process-pool worker (src/wire/remote-protocol.ts).
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe', ...(spec.served === undefined ? [] : ['pipe' as const])],
      serialization: 'advanced',
      detached: GROUPS,
    },
  );
  installExitHook();
  const control = child.stdio[CONTROL_FD] as Socket | null;
  const served = (child.stdio as unknown as Array<Socket | null | undefined>)[SERVE_FD];
  if (served) spec.served?.attach(served);

  let exitCode: number | null = null;
  let signalCode: NodeJS.Signals | null = null;
  let spawnError: unknown;
  /** Why the embedded entry could not be sent (the child was killed for it). */
  let entryError: unknown;
  let killTimer: NodeJS.Timeout | undefined;
  const frames = new FrameReader();

  if (child.pid !== undefined) {
    running.add(child);
    tellOwner(child.pid, true);
  }
  child.on('error', (error) => {
    spawnError ??= error;
  });
  child.on('message', (message: FromThread) => {
    if (!answer(message)) hooks.message(message);
  });
  control?.on('data', (chunk: Buffer) => {
    for (const frame of frames.push(chunk)) {
      switch (frame.kind) {
        case 'exit-called':
          hooks.message({ kind: 'exit-called', id: frame.id, code: frame.code });
          break;
        case 'bye':
          // The child is exiting and its watcher blocks in a read of this socket: end it (entry/watcher.ts).
          control.end();
          // Its served-objects reader blocks in a read too (src/serve/remote-reader.ts).
          served?.end();
          break;
        case 'cancel':
          break; // parent -> child only
        default:
          assertNever(frame);
      }
    }
  });
  control?.on('error', () => {});
  child.once('exit', (code, signal) => {
    exitCode = code;
    signalCode = signal;
    running.delete(child);
    clearTimeout(killTimer);
    // Whatever the target left running in the child's group goes with it.
    signalGroup(child, 'SIGKILL');
    if (child.pid !== undefined) tellOwner(child.pid, false);
  });
  // 'close' comes after 'exit' and after every IPC message and notice has been read.
  child.once('close', () => {
    // The waits its parent served for it end first (they were aborted), so nothing of it is left when it has ended.
    const waitsEnded = spec.served?.close();
    if (waitsEnded === undefined) closed();
    else void waitsEnded.then(closed);
  });
  const closed = () => {
    const outOfMemory = spec.resourceLimits?.maxOldGenerationSizeMb !== undefined && (signalCode === 'SIGABRT' || exitCode === 134);
    if (entryError !== undefined) return hooks.exit({ exitCode, signal: null, error: entryError });
    hooks.exit({
      exitCode,
      signal: outOfMemory ? null : signalCode,
      error: outOfMemory
        ? Object.assign(new Error('V8 aborted the child: its heap ran out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' })
        : spawnError,
    });
  };
  // Until the embedded entry has gone (a bundle's first starts), what is posted waits here, in order.
  let outbox: Array<ToThread | Buffer> | undefined;
  const send = (message: ToThread | Buffer | string) => {
    if (child.connected) child.send(message);
  };
  if (typeof source === 'string') send(source);
  else if (source !== undefined) {
    outbox = [];
    source.then(
      (text) => {
        send(text);
        for (const message of outbox!) send(message);
        outbox = undefined;
      },
      (error: unknown) => {
        entryError = error;
        signalGroup(child, 'SIGKILL');
      },
    );
  }
  if (outbox === undefined) send(startBytes);
  else outbox.push(startBytes);
  if (spec.daemon) unref(child);

  return {
    ident: child.pid ?? null,
    get exitCode() {
      return exitCode;
    },
    get signalCode() {
      return signalCode;
    },
    cancel(id, reason) {
      if (control?.writable) control.write(encodeFrame({ kind: 'cancel', id, reason }));
    },
    post(message) {
      if (outbox === undefined) send(message);
      else outbox.push(message);
    },
    terminate() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), TERMINATE_LINGER_MS);
      killTimer.unref();
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) signalGroup(child, 'SIGKILL');
    },
    ref() {
      child.ref();
      (child.channel as { ref?: () => void } | undefined)?.ref?.();
      control?.ref();
      served?.ref();
    },
    unref: () => unref(child),
  };
}

/** A Process's resourceLimits as V8 heap flags of the child (it runs the target on its main thread). */
function heapFlags(limits: LaunchSpec['resourceLimits']): string[] {
  const flags: string[] = [];
  if (limits?.maxOldGenerationSizeMb !== undefined) flags.push(`--max-old-space-size=${Math.ceil(limits.maxOldGenerationSizeMb)}`);
  if (limits?.maxYoungGenerationSizeMb !== undefined) {
    flags.push(`--max-semi-space-size=${Math.max(1, Math.ceil(limits.maxYoungGenerationSizeMb / 3))}`);
  }
  return flags;
}

/**
 * Sends `sig` to the child's process group: the child and whatever it spawned (not detached).
 * Where there are no groups (Windows), or the group is gone, to the child alone while it runs.
 */
function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (GROUPS && child.pid !== undefined) {
    try {
      process.kill(-child.pid, sig);
      return;
    } catch {
      // No such group (any more).
    }
  }
  if (child.exitCode === null && child.signalCode === null) child.kill(sig);
}

/** Inside a threadkit thread, the owner learns of the child (and its group): a terminated thread cannot end its children itself. */
function tellOwner(pid: number, alive: boolean): void {
  const context = getContext();
  if (context === undefined) return;
  const message: FromThread = { kind: 'child', pid, alive, group: GROUPS };
  try {
    context.port.postMessage(message);
  } catch {
    // The owner is gone; the child sees its control socket close.
  }
}

function unref(child: ChildProcess): void {
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  (child.stdio[CONTROL_FD] as Socket | null)?.unref();
  (child.stdio as unknown as Array<Socket | null | undefined>)[SERVE_FD]?.unref();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) signalGroup(child, 'SIGKILL');
  });
}

/** The child-process backend: Process and ProcessPoolExecutor. Shared objects are served by this process. */
export const processBackend: Backend<ChildTransport> = {
  where: 'process',
  shares: 'served',
  start: startChild,
  startPool: startPoolChild,
  encodeTask: encodeChildTask,
  sendable: ipcCloneable,
  copyArgs: copyForChild,
};
