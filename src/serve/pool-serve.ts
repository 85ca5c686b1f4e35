// The parent's side of one ProcessPoolExecutor worker's shared objects: its served-objects socket, shared by task after task.
//
// A pool child gets the served-objects socket (fd 5, remote-protocol.ts) at its start, like a
// Process given shared objects; its tasks come later. Each task given shared objects has its own
// table (a ServedObjects, made at submit: its markers are in the task's message), with its own
// RLock owner; the worker's initializer has one more, for the worker's life. Object ids are unique
// in this process, so each call goes to the table that holds its object. A task's table is
// closed when the task ends (its pending waits are aborted; the objects are the user's and stay
// alive), the initializer's when the worker is gone. One task runs at a time in a pool child.

import type { Socket } from 'node:net';
import { TaskError } from '../errors.js';
import { serializeThrown } from '../wire/serialize.js';
import { FrameReader, frame, parseBody, type ToServer } from '../wire/remote-protocol.js';
import type { ServedObjects } from './serve.js';

export class PoolServer {
  readonly #init: ServedObjects | undefined;
  #task: ServedObjects | undefined;
  #socket: Socket | undefined;
  #closed = false;

  /** `init`: the table of the worker's initializer arguments, when they hold shared objects. */
  constructor(init: ServedObjects | undefined) {
    this.#init = init;
  }

  /** Starts reading the child's requests from `socket` (the parent's end of its served-objects socket). */
  attach(socket: Socket): void {
    if (this.#closed) return;
    this.#socket = socket;
    this.#init?.serveOver(this.#write);
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const body of reader.push(chunk)) this.#route(parseBody<ToServer>(body));
    });
    socket.on('error', () => {});
  }

  /** Task `table` runs on the worker now (it replaces the one before, which has ended). */
  begin(table: ServedObjects | undefined): void {
    this.#task = table;
    if (table !== undefined && this.#socket !== undefined && !this.#closed) table.serveOver(this.#write);
  }

  /**
   * The worker is gone: aborts the waits of its task and initializer. Resolves (or is undefined
   * when nothing was pending) as ServedObjects.close(). Idempotent.
   */
  close(): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.#closed = true;
    // A task that never began (its worker died while it loaded) has called nothing: it keeps its table, and runs on another worker.
    const task = this.#task?.waiting === true ? this.#task.close() : undefined;
    const ended = [task, this.#init?.close()].filter((each) => each !== undefined);
    this.#task = undefined;
    this.#socket?.destroy();
    this.#socket = undefined;
    return ended.length === 0 ? undefined : Promise.all(ended).then(() => {});
  }

  readonly #write = (bytes: Buffer): void => {
    if (this.#socket?.writable === true) this.#socket.write(bytes);
  };

  #route(message: ToServer): void {
    if (message.kind === 'abort') {
      // Call ids are the child's, unique in it: the table that has the call ends it.
      this.#task?.receive(message);
      this.#init?.receive(message);
      return;
    }
    const table = this.#init?.has(message.object) === true ? this.#init : this.#task;
    if (table !== undefined) {
      table.receive(message);
      return;
    }
    // Code of a task that has ended, still calling: answered, so that it does not wait for ever.
    const error = new TaskError(
      `Cannot call ${message.method}() of a shared object of a pool task that has ended: it is served only while its task runs.`,
    );
    this.#write(frame({ kind: 'reply', id: message.id, ok: false, error: serializeThrown(error) }));
  }
}
