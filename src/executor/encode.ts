// What a pool sends its workers, copied for its backend: a task's message, the initializer's args; what cannot be sent is named.

import { TaskError } from '../errors.js';
import { types } from 'node:util';
import type { TargetSpec, ToThread } from '../wire/protocol.js';
import type { Backend, EncodedTask } from '../backend/transport.js';
import { cloneFailure, unsendable } from '../backend/unsendable.js';
import { ServedObjects } from '../serve/serve.js';
import { encodeArgs } from '../serve/transfer.js';

/** What copying asks of a pool's backend. */
export type Codec = Pick<Backend, 'where' | 'shares' | 'encodeTask' | 'sendable' | 'copyArgs'>;

/** A pool's initializer, its args copied; a process pool's shared objects in them are markers of `served`. */
export interface Initializer {
  readonly target: TargetSpec;
  readonly args: unknown[];
  readonly served: ServedObjects | undefined;
}

/** A task's encoded message, and the shared objects this process serves while it runs (process pools). */
export interface EncodedArgs {
  readonly encoded: EncodedTask;
  readonly served: ServedObjects | undefined;
}

/**
 * The message of task `id`, its args copied now (API.md §12): a later change to them is not seen.
 * @throws {TaskError} naming the argument that cannot be sent, or that holds a pool or a Future.
 */
export function encodeTask(codec: Codec, id: number, target: TargetSpec, args: unknown[], each: boolean, taskName: string): EncodedArgs {
  try {
    // Primitives and bare SharedArrayBuffers need no walk (the tiny tasks' fast path): they hold no
    // shared object, pool or Future. The others are walked for those, and copied now (encodeTask).
    const primitive = allFlat(args);
    // Shared objects travel as markers of their memory (src/serve/transfer.ts); to a process pool,
    // as ids of objects this process serves while the task runs (src/serve/pool-serve.ts).
    let served = primitive || codec.shares === 'memory' ? undefined : new ServedObjects(taskName);
    const sent = primitive ? args : encodeArgs(args, served ?? true, taskName);
    if (served?.size === 0) served = undefined;
    const message: Extract<ToThread, { kind: 'task' }> = { kind: 'task', id, target, args: sent };
    if (each) message.each = true;
    return { encoded: codec.encodeTask(message), served };
  } catch (error) {
    if (error instanceof TaskError) throw error;
    // A clone failure names the argument; so does an argument whose getter threw while it was read.
    const failure = error instanceof Error && error.name === 'DataCloneError' ? error : cloneFailure(error);
    throw unsendable(failure, args, codec.sendable, taskName, codec.where, 'its arguments');
  }
}

/**
 * The initializer and its args, copied now (API.md §12): later changes to them are not seen by
 * any worker, and what cannot be sent is refused here, before anything starts.
 * @throws {TaskError} naming `initArgs[i]` when it cannot be sent (or holds a pool or a Future).
 */
export function copyInitializer(codec: Codec, target: TargetSpec, initArgs: unknown[], who: string): Initializer {
  // Shared objects travel as markers of their memory (threads) or of this process's served ids (processes).
  const served = codec.shares === 'memory' ? undefined : new ServedObjects(who);
  let args: unknown[];
  try {
    args = codec.copyArgs(encodeArgs([...initArgs], served ?? true, who, 'initArgs'));
  } catch (error) {
    if (error instanceof TaskError) throw error;
    const failure = error instanceof Error && error.name === 'DataCloneError' ? error : cloneFailure(error);
    throw unsendable(failure, initArgs, codec.sendable, who, codec.where, 'its initArgs', 'initArgs');
  }
  return { target, args, served: served !== undefined && served.size > 0 ? served : undefined };
}

/**
 * Whether every argument is a primitive or a bare SharedArrayBuffer (its own prototype, no proxy):
 * nothing to look into, nothing shared, nothing refused.
 */
function allFlat(args: unknown[]): boolean {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === null || (typeof arg !== 'object' && typeof arg !== 'function')) continue;
    if (!types.isSharedArrayBuffer(arg) || Object.getPrototypeOf(arg) !== SharedArrayBuffer.prototype) return false;
  }
  return true;
}
