// Spawning a child Node.js process for the child-process backend: its bootstrap, control socket, served-objects socket and exit.
//
// What is posted before a bundle's embedded entry has been sent waits in an outbox, in order.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { serialize } from 'node:v8';
import { bootstrapSource, entrySource, entryUrl, childExecArgv, isTypeScript, parentPreloads, type BootData } from './bootstrap.js';
import { SERVE_FD } from '../wire/remote-protocol.js';
import type { ServedObjects } from '../serve/serve.js';
import { encodeFrame, FrameReader } from '../wire/control-frame.js';
import { CONTROL_FD, assertNever, type FromThread, type ToThread } from '../wire/protocol.js';
import { cloneFailure } from './unsendable.js';
import { GROUPS, exited, killOnExit, signalGroup, tellOwner } from './process-group.js';
import type { LaunchSpec, TransportHooks } from './transport.js';

/** The entry's URL: found at the first start (bootstrap.ts); undefined when threadkit runs bundled. */
let entry: { readonly url: string | undefined } | undefined;
/** How long terminate() lets a child handle SIGTERM before SIGKILL. */
export const TERMINATE_LINGER_MS = 1000;

/** A ToThread message serialized once, as the child receives it. */
export function serializeMessage(message: ToThread): Buffer {
  try {
    return serialize(message);
  } catch (error) {
    throw cloneFailure(error);
  }
}

/** A spawned child, as the single and the pool transports (child.ts) build on it. */
export interface SpawnedChild {
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
export function spawnChild(
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
  killOnExit(child);
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

  if (child.pid !== undefined) tellOwner(child.pid, true);
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
    exited(child);
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

/** Lets this process exit while `child` runs: the child, its IPC channel and its sockets. */
function unref(child: ChildProcess): void {
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  (child.stdio[CONTROL_FD] as Socket | null)?.unref();
  (child.stdio as unknown as Array<Socket | null | undefined>)[SERVE_FD]?.unref();
}
