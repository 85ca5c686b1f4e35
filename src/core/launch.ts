// What start() hands a backend: the target with a subclass's fields encoded, the args encoded, and a send failure named.

import { TaskError } from '../errors.js';
import type { Backend, LaunchSpec, ResourceLimits, Transport, TransportHooks } from '../backend/transport.js';
import { cloneFailure, unsendable } from '../backend/unsendable.js';
import { ServedObjects } from '../serve/serve.js';
import { encodeArgs, encodeFields } from '../serve/transfer.js';
import type { TargetSpec } from '../wire/protocol.js';

/** One start() of a Thread or Process, in two steps: made first (a cancel before start() then sends nothing), started second. */
export class Launch {
  readonly #backend: Backend;
  readonly #name: string;
  readonly #target: TargetSpec;
  readonly #args: unknown[];
  /** A thread shares the objects' memory; a child process's parent serves them (src/serve/serve.ts). */
  readonly #shares: true | ServedObjects;

  /**
   * Encodes a subclass's fields: they may hold shared objects too (this.lock = lock), sent as args are.
   * @throws {TaskError} when a field holds a shared object that cannot be sent.
   */
  constructor(backend: Backend, name: string, target: TargetSpec, args: unknown[]) {
    this.#backend = backend;
    this.#name = name;
    this.#args = args;
    this.#shares = backend.shares === 'memory' ? true : new ServedObjects(name);
    this.#target = target.kind === 'subclass' ? { ...target, fields: encodeFields(target.fields, this.#shares, name) } : target;
  }

  /**
   * Encodes the args and starts the backend with them.
   * @throws {TaskError} naming the argument (or a subclass field) that cannot be read or sent; nothing is started.
   */
  start(daemon: boolean, resourceLimits: ResourceLimits | undefined, hooks: TransportHooks): Transport {
    const shares = this.#shares;
    let args: unknown[];
    try {
      // Shared objects travel as markers of their memory, or of their id for a Process (src/serve/transfer.ts).
      args = encodeArgs(this.#args, shares, this.#name);
    } catch (error) {
      // Reading an argument threw (a getter): the same TaskError naming it as a clone failure gives.
      throw error instanceof TaskError ? error : this.#unsendable(cloneFailure(error));
    }
    const spec: LaunchSpec = {
      target: this.#target,
      args,
      info: { name: this.#name, daemon, isMain: false },
      daemon,
      resourceLimits,
      served: shares !== true && shares.size > 0 ? shares : undefined,
    };
    try {
      return this.#backend.start(spec, hooks);
    } catch (error) {
      throw this.#unsendable(error);
    }
  }

  /** Turns a clone failure of the start message into a TaskError naming the argument. */
  #unsendable(error: unknown): unknown {
    const fallback = this.#target.kind === 'subclass' ? 'a field of the subclass' : 'its arguments';
    return unsendable(error, this.#args, this.#backend.sendable, this.#name, this.#backend.where, fallback);
  }
}
