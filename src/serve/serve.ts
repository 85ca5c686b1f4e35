// The parent's side of a Process's shared objects: it keeps the real objects and runs the child's requests on them.
//
// Lifecycle.start() of a Process replaces each shared object in args with a marker holding an id
// (transfer.ts) and keeps the object here; the child's proxies (remote.ts) send their calls over
// the served-objects socket (remote-protocol.ts). Each call runs on the real object, in the
// child's serving scope (scope.ts): an RLock or a Condition owned by the child is owned by it, not
// by this thread, and the child's abort ends that one wait. A wait always runs as the async twin,
// so the parent's event loop never blocks for a child. When the child is gone, its pending calls
// are aborted and the table is dropped; what it held stays held (a Lock it acquired stays locked,
// as for a terminated thread).

import type { Socket } from 'node:net';
import { TaskError, describe } from '../errors.js';
import { assertNever } from '../wire/protocol.js';
import { serializeThrown } from '../wire/serialize.js';
import { NEXT_ID, table } from '../memory/wake-table.js';
import { KIND, LOCK_OPS, SHARE, type LockOps, type Shareable } from '../shared/brand.js';
import {
  FrameReader,
  SERVED_METHODS,
  frame,
  parseBody,
  type FromServer,
  type RemoteMarker,
  type ToServer,
} from '../wire/remote-protocol.js';
import { pauseScopes, runInScope, type ServeScope } from '../memory/scope.js';

/** Every table serving a running child, for the leak checks of the tests (globalThis, one set per process). */
const LIVE_KEY = Symbol.for('threadkit.shared.served.v1');
const live = ((globalThis as Record<symbol, unknown>)[LIVE_KEY] ??= new Set<ServedObjects>()) as Set<ServedObjects>;
/** Object ids are unique in this process, so a pool child's server tells its tables apart by id (pool-serve.ts). */
let nextObjectId = 0;

/** The shared objects one Process was given, and the server of its requests. */
export class ServedObjects {
  readonly #who: string;
  readonly #objects = new Map<number, Shareable>();
  readonly #ids = new Map<Shareable, number>();
  readonly #pending = new Map<number, AbortController>();
  readonly #settled = new Map<number, Promise<unknown>>();
  /** The RLock owner the child acts as: negative, and unique in this process (wake-table.ts NEXT_ID); taken by the first add(). */
  #owner = 0;
  #socket: Socket | undefined;
  /** Where replies go: the socket's write, or a pool child's server's (serveOver). */
  #write: ((bytes: Buffer) => void) | undefined;
  #closed = false;

  constructor(who: string) {
    this.#who = who;
  }

  /** How many objects are served. */
  get size(): number {
    return this.#objects.size;
  }

  /** Serves `object` (once, however often it is added); returns what its marker carries. */
  add(object: Shareable): RemoteMarker {
    let id = this.#ids.get(object);
    if (this.#owner === 0) this.#owner = -(Atomics.add(table(), NEXT_ID, 1) + 1);
    if (id === undefined) {
      id = nextObjectId += 1;
      this.#ids.set(object, id);
      this.#objects.set(id, object);
    }
    const constants: Record<string, number> = {};
    const kind = object[KIND];
    if (kind === 'Queue') {
      const queue = object as unknown as { maxSize: number; maxBytes: number };
      constants.maxSize = queue.maxSize;
      constants.maxBytes = queue.maxBytes;
    } else if (kind === 'Barrier') constants.parties = (object as unknown as { parties: number }).parties;
    return { id, constants };
  }

  /**
   * A new table serving the same objects under the same ids, with its own RLock owner: the
   * markers made once by this one (a process pool's initArgs, copied in its constructor) then
   * stand for the objects in each worker's own table.
   */
  fork(who: string): ServedObjects {
    const copy = new ServedObjects(who);
    for (const [id, object] of this.#objects) {
      copy.#objects.set(id, object);
      copy.#ids.set(object, id);
    }
    if (copy.#objects.size > 0) copy.#owner = -(Atomics.add(table(), NEXT_ID, 1) + 1);
    return copy;
  }

  /** Starts serving the child's requests from `socket` (the parent's end of its served-objects socket). */
  attach(socket: Socket): void {
    if (this.#closed) return;
    this.#socket = socket;
    this.#write = (bytes) => {
      if (socket.writable) socket.write(bytes);
    };
    live.add(this);
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const body of reader.push(chunk)) this.receive(parseBody<ToServer>(body));
    });
    socket.on('error', () => {});
  }

  /**
   * Starts serving requests that a pool child's server (pool-serve.ts) hands to receive(); replies
   * go to `write`. The socket is the server's: close() leaves it open.
   */
  serveOver(write: (bytes: Buffer) => void): void {
    if (this.#closed) return;
    this.#write = write;
    live.add(this);
  }

  /** Whether a call of it is pending (a wait). */
  get waiting(): boolean {
    return this.#pending.size > 0;
  }

  /** Whether served object `id` is in this table. */
  has(id: number): boolean {
    return this.#objects.has(id);
  }

  /**
   * The child is gone: aborts its pending calls (their replies go nowhere) and drops the objects.
   * Returns undefined when nothing was pending, else a promise that resolves once every aborted
   * wait has ended (and given its wake-table block back). Idempotent.
   */
  close(): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.#closed = true;
    live.delete(this);
    const ended = this.#pending.size === 0 ? undefined : Promise.allSettled(this.#settled.values()).then(() => {});
    for (const controller of this.#pending.values()) controller.abort();
    this.#pending.clear();
    this.#settled.clear();
    this.#objects.clear();
    this.#ids.clear();
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#write = undefined;
    if (live.size === 0) {
      if (ended === undefined) pauseScopes();
      else void ended.then(() => live.size === 0 && pauseScopes());
    }
    return ended;
  }

  /** The parent's end of the socket, for the transport's ref/unref and its end at the child's exit. */
  get socket(): Socket | undefined {
    return this.#socket;
  }

  /** Runs one request of the child (a call, or the abort of one; an abort of a call not pending here is nothing). */
  receive(message: ToServer): void {
    switch (message.kind) {
      case 'call':
        this.#call(message.id, message.object, message.method, message.args);
        return;
      case 'abort':
        this.#pending.get(message.id)?.abort();
        return;
      default:
        assertNever(message);
    }
  }

  #call(id: number, objectId: number, method: string, args: unknown[]): void {
    const object = this.#objects.get(objectId);
    if (object === undefined || !SERVED_METHODS[object[KIND]].includes(method)) {
      this.#fail(
        id,
        new TaskError(`threadkit internal error: ${this.#who} asked for ${method}() of served object ${objectId}, which it cannot call.`),
      );
      return;
    }
    const controller = new AbortController();
    const scope: ServeScope = { owner: this.#owner, signal: controller.signal };
    let result: unknown;
    try {
      result = runInScope(scope, () => {
        const member = (object as unknown as Record<string, unknown>)[method];
        return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).apply(object, args) : member;
      });
    } catch (error) {
      this.#fail(id, error);
      return;
    }
    if (!(result instanceof Promise)) {
      this.#reply({ kind: 'reply', id, ok: true, value: result });
      return;
    }
    this.#pending.set(id, controller);
    this.#settled.set(
      id,
      result.then(
        (value: unknown) => {
          this.#forget(id);
          this.#leftWaiting(object, method, scope);
          this.#reply({ kind: 'reply', id, ok: true, value });
        },
        (error: unknown) => {
          this.#forget(id);
          this.#leftWaiting(object, method, scope);
          this.#fail(id, error);
        },
      ),
    );
  }

  /**
   * A Condition wait re-takes the lock for the child as it ends. When the child is gone by then, it
   * died inside the wait, where a thread holds no lock: the lock is given back, not left held.
   */
  #leftWaiting(object: Shareable, method: string, scope: ServeScope): void {
    if (!this.#closed || object[KIND] !== 'Condition' || method !== 'wait') return;
    const { lock } = object[SHARE]() as { lock: { [LOCK_OPS](): LockOps } };
    runInScope(scope, () => {
      const ops = lock[LOCK_OPS]();
      if (ops.owned()) ops.releaseSave();
    });
  }

  #forget(id: number): void {
    this.#pending.delete(id);
    this.#settled.delete(id);
  }

  #fail(id: number, error: unknown): void {
    this.#reply({ kind: 'reply', id, ok: false, error: serializeThrown(error) });
  }

  #reply(message: FromServer): void {
    const write = this.#write;
    if (this.#closed || write === undefined) return;
    let bytes: Buffer;
    try {
      bytes = frame(message);
    } catch (error) {
      bytes = frame({
        kind: 'reply',
        id: message.id,
        ok: false,
        error: serializeThrown(new TaskError(`Cannot send the result back to ${this.#who}: ${describe(error)}`)),
      });
    }
    write(bytes);
  }
}

/** How many Processes are being served now (tests: none once they have ended). */
export function servedCount(): number {
  return live.size;
}
