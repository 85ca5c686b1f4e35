// The client of a Process's served objects: calls to the parent over the served-objects socket, and their replies.
//
// One per process, on globalThis (a task's own copy of threadkit shares it). It writes each call
// as a frame on fd SERVE_FD (remote-protocol.ts); its reader thread (remote-reader.ts) posts each
// reply body on a MessagePort and bumps the main thread's WAKE slot. The main thread takes replies
// with receiveMessageOnPort when it blocks, and from the port's 'message' event when it does not.
// The reader ends when the parent closes its end (at this process's exit, on its 'bye').

import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { TaskError, describe } from '../errors.js';
import { callerCancelled } from '../memory/context.js';
import { writeFully } from '../base/output.js';
import { WAKE, home, slot, table, view } from '../memory/wake-table.js';
import { whenCancelled } from '../memory/runtime.js';
import { SERVE_FD, frame, parseBody, type FromServer, type ToServer } from '../wire/remote-protocol.js';
import { startReader } from './remote-reader.js';

export type Reply = FromServer;

/** Carries calls to the parent and their replies; one per process. */
class Client {
  readonly #port: MessagePort;
  readonly #wakeAt: number;
  readonly #replies = new Map<number, Reply>();
  readonly #waiting = new Map<number, (reply: Reply) => void>();
  #next = 1;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    const b = home();
    this.#wakeAt = slot(b, WAKE);
    startReader(view(b), port1);
    this.#port = port2;
    port2.on('message', (body: Uint8Array) => this.#deliver(body));
    port2.unref();
  }

  /** Sends `message`; the TaskError when its arguments cannot be cloned (nothing is sent then). */
  #send(message: ToServer): void {
    let bytes: Buffer;
    try {
      bytes = frame(message);
    } catch (error) {
      const what = message.kind === 'call' ? `${message.method}()` : 'the call';
      throw new TaskError(
        `Cannot send ${what} to the parent, which serves this shared object: its arguments cannot be cloned (${describe(error)}).`,
        {
          cause: error,
        },
      );
    }
    writeFully(SERVE_FD, bytes);
  }

  #deliver(body: Uint8Array): void {
    const reply = parseBody<Reply>(body);
    const resolve = this.#waiting.get(reply.id);
    if (resolve === undefined) this.#replies.set(reply.id, reply);
    else {
      this.#waiting.delete(reply.id);
      resolve(reply);
    }
  }

  /** One call, blocking the calling thread; `waits`: a cancel aborts it (the reply still decides). */
  callSync(object: number, method: string, args: unknown[], waits: boolean): Reply {
    const id = this.#next++;
    this.#send({ kind: 'call', id, object, method, args });
    const t = table();
    let aborted = false;
    for (;;) {
      const seen = Atomics.load(t, this.#wakeAt);
      for (let r = receiveMessageOnPort(this.#port); r !== undefined; r = receiveMessageOnPort(this.#port))
        this.#deliver(r.message as Uint8Array);
      const reply = this.#replies.get(id);
      if (reply !== undefined) {
        this.#replies.delete(id);
        return reply;
      }
      if (waits && !aborted && callerCancelled()) {
        aborted = true;
        this.#send({ kind: 'abort', id });
      }
      Atomics.wait(t, this.#wakeAt, seen);
    }
  }

  /** The same without blocking: the process stays alive while a call is pending. */
  call(object: number, method: string, args: unknown[], waits: boolean): Promise<Reply> {
    const id = this.#next++;
    this.#send({ kind: 'call', id, object, method, args });
    if (this.#waiting.size === 0) this.#port.ref();
    return new Promise<Reply>((resolve) => {
      const forget = waits ? whenCancelled(() => this.#send({ kind: 'abort', id })) : () => {};
      this.#waiting.set(id, (reply) => {
        forget();
        if (this.#waiting.size === 0) this.#port.unref();
        resolve(reply);
      });
    });
  }
}

const CLIENT_KEY = Symbol.for('threadkit.shared.client.v1');

/** This process's client, started at the first call. */
export function client(): Client {
  const globals = globalThis as Record<symbol, unknown>;
  return (globals[CLIENT_KEY] ??= new Client()) as Client;
}
