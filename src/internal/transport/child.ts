// The child-process backend: a child Node.js process whose main thread relays, and whose worker runs the target.
//
// Shared memory cannot cross processes, so the child keeps its main thread free: it receives the
// cancel over IPC and raises the cancel flag of the worker thread that runs the target (one
// message hop), and it notices at once when its parent is gone (the IPC channel closes).

import { spawn, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { serialize } from 'node:v8';
import { describe } from '../../errors.js';
import { bootstrapSource, childExecArgv, isTypeScript, parentPreloads, type BootData } from '../bootstrap.js';
import { getContext } from '../context.js';
import type { FromChild, FromThread, ToThread } from '../protocol.js';
import { rebuildThrown } from '../serialize.js';
import type { LaunchSpec, Transport, TransportHooks } from './transport.js';

const ENTRY = new URL(`../entry/child${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
/** How long terminate() lets a child handle SIGTERM before SIGKILL. */
export const TERMINATE_LINGER_MS = 1000;

/** Every child still running, killed when this process exits (belt and braces: children also watch the IPC channel). */
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
 * Starts `spec` in a new child process.
 * @throws {DOMException} DataCloneError, before spawning, when the start message cannot be sent.
 */
export function startChild(spec: LaunchSpec, hooks: TransportHooks): ChildTransport {
  const start: ToThread = { kind: 'start', target: spec.target, args: spec.args, info: spec.info };
  try {
    serialize(start);
  } catch (error) {
    throw new DOMException(describe(error), 'DataCloneError');
  }
  const boot: BootData & { resourceLimits: LaunchSpec['resourceLimits'] } = {
    entry: ENTRY,
    preloads: parentPreloads(),
    typescript: isTypeScript(ENTRY) || ('module' in spec.target && isTypeScript(spec.target.module)),
    resourceLimits: spec.resourceLimits,
  };
  const child = spawn(process.execPath, [...childExecArgv(isTypeScript(ENTRY)), '-e', bootstrapSource(JSON.stringify(boot))], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  installExitHook();

  let gone: Extract<FromChild, { kind: 'gone' }> | undefined;
  let exitCode: number | null = null;
  let signalCode: NodeJS.Signals | null = null;
  let spawnError: unknown;
  let killTimer: NodeJS.Timeout | undefined;

  if (child.pid !== undefined) {
    running.add(child);
    tellOwner(child.pid, true);
  }
  child.on('error', (error) => {
    spawnError ??= error;
  });
  child.on('message', (message: FromChild) => {
    if (message.kind === 'gone') gone = message;
    else hooks.message(message);
  });
  child.once('exit', (code, signal) => {
    exitCode = code;
    signalCode = signal;
    running.delete(child);
    clearTimeout(killTimer);
    if (child.pid !== undefined) tellOwner(child.pid, false);
  });
  // 'close' comes after 'exit' and after every IPC message has been read.
  child.once('close', () => {
    hooks.exit({
      exitCode: gone?.exitCode ?? exitCode,
      signal: gone ? null : signalCode,
      error: gone?.error ? rebuildThrown(gone.error) : spawnError,
    });
  });
  if (child.connected) child.send(start);
  if (spec.daemon) unref(child);

  return {
    ident: child.pid ?? null,
    get exitCode() {
      return exitCode;
    },
    get signalCode() {
      return signalCode;
    },
    cancel(reason) {
      const message: ToThread = { kind: 'cancel', reason: ipcCloneable(reason) ? reason : describe(reason) };
      if (child.connected) child.send(message);
    },
    terminate() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), TERMINATE_LINGER_MS);
      killTimer.unref();
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    ref() {
      child.ref();
      (child.channel as { ref?: () => void } | undefined)?.ref?.();
    },
    unref: () => unref(child),
  };
}

/** Inside a threadkit thread, the owner learns of the child: a terminated thread cannot end its children itself. */
function tellOwner(pid: number, alive: boolean): void {
  const context = getContext();
  if (context === undefined) return;
  const message: FromThread = { kind: 'child', pid, alive };
  try {
    context.port.postMessage(message);
  } catch {
    // The owner is gone; the child sees its IPC channel close.
  }
}

function unref(child: ChildProcess): void {
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}
