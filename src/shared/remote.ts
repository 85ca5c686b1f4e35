// Inside a Process: the proxies of the shared objects its parent serves, and the one client that carries their calls.
//
// reviveArgs (transfer.ts) makes a proxy for each marker with a remote id. A proxy has its class's
// methods and kind, so `instanceof Lock` holds, and every call is one round trip to the parent
// (serve.ts): a blocking form writes the request and blocks on the calling thread's WAKE slot
// (wake-table.ts) until the reply is in, or a cancel comes; then it sends an abort and still takes
// the reply, which is the result when it came first (an item a get took is returned, never
// lost), else the wait's CancelledError. An async form awaits the same reply.
//
// The client (one per process, on globalThis: a task's own copy of threadkit shares it) owns a
// reader thread that blocks in readSync on the served-objects socket (remote-protocol.ts), posts
// each reply body on a MessagePort and bumps the main thread's WAKE slot; the main thread takes
// replies with receiveMessageOnPort when it blocks, and from the port's 'message' event when it
// does not. The reader ends when the parent closes its end (at this process's exit, on its 'bye').

import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { CancelledError, QueueShutDownError, TaskError, describe } from '../errors.js';
import { callerCancelled } from '../internal/context.js';
import { writeFully } from '../internal/output.js';
import { rebuildThrown } from '../internal/serialize.js';
import { WAKE, home, slot, table, view } from '../internal/wake-table.js';
import { checkpoint, whenCancelled } from '../runtime.js';
import { KIND, LOCK_OPS, SHARE, held, type Held, type Kind, type Shareable } from './brand.js';
import { timedOut } from './lock.js';
import { checkShutdownOptions } from './queue.js';
import { LENGTH_BYTES, SERVE_FD, frame, parseBody, type FromServer, type RemoteMarker, type ToServer } from './remote-protocol.js';
import { timeoutOf } from './wait.js';
import { forbiddenInItem } from './walk.js';

const READER = `'use strict';
const { workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { wake, port } = workerData;
const bytes = Buffer.allocUnsafe(65536);
const pause = new Int32Array(new SharedArrayBuffer(4));
let pending = Buffer.alloc(0);
function take(chunk) {
  pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
  while (pending.length >= ${LENGTH_BYTES} && pending.length >= ${LENGTH_BYTES} + pending.readUInt32LE(0)) {
    const size = pending.readUInt32LE(0);
    const body = new Uint8Array(pending.subarray(${LENGTH_BYTES}, ${LENGTH_BYTES} + size));
    pending = pending.subarray(${LENGTH_BYTES} + size);
    port.postMessage(body, [body.buffer]);
    Atomics.add(wake, ${WAKE}, 1);
    Atomics.notify(wake, ${WAKE});
  }
}
/** Reads fd ${SERVE_FD} until it closes; false when this thread cannot read it at all (Deno: EBADF). */
function readBlocking() {
  for (let first = true; ; first = false) {
    let read;
    try {
      read = readSync(${SERVE_FD}, bytes);
    } catch (error) {
      if (first && error.code === 'EBADF') return false;
      if (error.code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      if (error.code === 'EAGAIN' || error.code === 'EINTR') continue;
      break;
    }
    if (read === 0) break;
    take(bytes.subarray(0, read));
  }
  port.close();
  return true;
}
if (!readBlocking()) {
  const socket = new (require('node:net').Socket)({ fd: ${SERVE_FD}, readable: true, writable: false });
  socket.on('data', take);
  socket.on('end', () => port.close());
  socket.on('error', () => port.close());
}
`;

type Reply = FromServer;

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
    const reader = new Worker(READER, { eval: true, execArgv: [], workerData: { wake: view(b), port: port1 }, transferList: [port1] });
    reader.unref();
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

function client(): Client {
  const globals = globalThis as Record<symbol, unknown>;
  return (globals[CLIENT_KEY] ??= new Client()) as Client;
}

/** A reply's value, or its error thrown; a wait the calling thread's cancel ended throws that cancel's CancelledError. */
function settle(reply: Reply, waits: boolean): unknown {
  if (reply.ok) return reply.value;
  const error = rebuildThrown(reply.error);
  if (waits && error instanceof CancelledError && callerCancelled()) checkpoint();
  throw error;
}

/** A wait's timeout as call arguments: none for Infinity (the method's default; JSON has no Infinity). */
function ms(timeoutMs: number | undefined): number[] {
  const value = timeoutOf(timeoutMs);
  return value === Infinity ? [] : [value];
}

/** What every proxy shares: its id, and calls in both forms. */
abstract class Remote implements Shareable {
  abstract readonly [KIND]: Kind;
  readonly #id: number;

  constructor(marker: RemoteMarker) {
    this.#id = marker.id;
  }

  [SHARE](): never {
    throw new TaskError(
      `This ${this[KIND]} is served by the parent process; it cannot be passed on from the Process. Create the object in the parent and pass it to each thread or process there.`,
    );
  }

  /** A call that does not wait: one round trip, whatever the calling thread's cancel. */
  protected callNow(method: string, ...args: unknown[]): unknown {
    return settle(client().callSync(this.#id, method, args, false), false);
  }

  /** A wait, blocking: runs the parent's async `method`; a cancel ends it. */
  protected callWaitSync(method: string, ...args: unknown[]): unknown {
    checkpoint();
    return settle(client().callSync(this.#id, method, args, true), true);
  }

  protected async callWait(method: string, ...args: unknown[]): Promise<unknown> {
    checkpoint();
    return settle(await client().call(this.#id, method, args, true), true);
  }
}

class RemoteEvent extends Remote {
  get [KIND](): 'Event' {
    return 'Event';
  }
  isSet(): boolean {
    return this.callNow('isSet') as boolean;
  }
  set(): void {
    this.callNow('set');
  }
  clear(): void {
    this.callNow('clear');
  }
  waitSync(timeoutMs?: number): boolean {
    return this.callWaitSync('wait', ...ms(timeoutMs)) as boolean;
  }
  async wait(timeoutMs?: number): Promise<boolean> {
    return (await this.callWait('wait', ...ms(timeoutMs))) as boolean;
  }
}

/** Lock, RLock, Semaphore and BoundedSemaphore: acquire, release, hold. */
class RemoteLockLike extends Remote {
  readonly #kind: Kind;
  constructor(marker: RemoteMarker, kind: Kind) {
    super(marker);
    this.#kind = kind;
  }
  get [KIND](): Kind {
    return this.#kind;
  }
  acquireSync(timeoutMs?: number): boolean {
    return this.callWaitSync('acquire', ...ms(timeoutMs)) as boolean;
  }
  async acquire(timeoutMs?: number): Promise<boolean> {
    return (await this.callWait('acquire', ...ms(timeoutMs))) as boolean;
  }
  release(...n: number[]): void {
    this.callNow('release', ...n);
  }
  locked(): boolean {
    return this.callNow('locked') as boolean;
  }
  holdSync(timeoutMs?: number): Held {
    if (!this.acquireSync(timeoutMs)) throw timedOut(this.#kind, timeoutMs);
    return held(() => this.release());
  }
  async hold(timeoutMs?: number): Promise<Held> {
    if (!(await this.acquire(timeoutMs))) throw timedOut(this.#kind, timeoutMs);
    return held(() => this.release());
  }
  [LOCK_OPS](): never {
    throw new TaskError(
      `A Condition cannot be created in a Process over a ${this.#kind} its parent serves; create the Condition in the parent and pass it.`,
    );
  }
}

class RemoteCondition extends RemoteLockLike {
  constructor(marker: RemoteMarker) {
    super(marker, 'Condition');
  }
  override get [KIND](): 'Condition' {
    return 'Condition';
  }
  waitSync(timeoutMs?: number): boolean {
    return this.callWaitSync('wait', ...ms(timeoutMs)) as boolean;
  }
  async wait(timeoutMs?: number): Promise<boolean> {
    return (await this.callWait('wait', ...ms(timeoutMs))) as boolean;
  }
  waitForSync<R>(predicate: () => R, timeoutMs?: number): R {
    const deadline = performance.now() + timeoutOf(timeoutMs);
    let result = predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      this.waitSync(left);
      result = predicate();
    }
    return result;
  }
  async waitFor<R>(predicate: () => R | PromiseLike<R>, timeoutMs?: number): Promise<R> {
    const deadline = performance.now() + timeoutOf(timeoutMs);
    let result = await predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.wait(left);
      result = await predicate();
    }
    return result;
  }
  notify(n?: number): void {
    if (n === undefined) this.callNow('notify');
    else this.callNow('notify', n);
  }
  notifyAll(): void {
    this.callNow('notifyAll');
  }
}

class RemoteBarrier extends Remote {
  readonly parties: number;
  constructor(marker: RemoteMarker) {
    super(marker);
    this.parties = marker.constants.parties!;
  }
  get [KIND](): 'Barrier' {
    return 'Barrier';
  }
  get nWaiting(): number {
    return this.callNow('nWaiting') as number;
  }
  get broken(): boolean {
    return this.callNow('broken') as boolean;
  }
  waitSync(timeoutMs?: number): number {
    return this.callWaitSync('wait', ...ms(timeoutMs)) as number;
  }
  async wait(timeoutMs?: number): Promise<number> {
    return (await this.callWait('wait', ...ms(timeoutMs))) as number;
  }
  reset(): void {
    this.callNow('reset');
  }
  abort(): void {
    this.callNow('abort');
  }
}

class RemoteQueue<T = unknown> extends Remote {
  readonly maxSize: number;
  readonly maxBytes: number;
  constructor(marker: RemoteMarker) {
    super(marker);
    this.maxSize = marker.constants.maxSize!;
    this.maxBytes = marker.constants.maxBytes!;
  }
  get [KIND](): 'Queue' {
    return 'Queue';
  }
  get size(): number {
    return this.callNow('size') as number;
  }
  empty(): boolean {
    return this.callNow('empty') as boolean;
  }
  full(): boolean {
    return this.callNow('full') as boolean;
  }
  putSync(item: T, timeoutMs?: number): void {
    this.callWaitSync('put', refuseShared(item), ...ms(timeoutMs));
  }
  async put(item: T, timeoutMs?: number): Promise<void> {
    await this.callWait('put', refuseShared(item), ...ms(timeoutMs));
  }
  putNowait(item: T): void {
    this.callNow('putNowait', refuseShared(item));
  }
  getSync(timeoutMs?: number): T {
    return this.callWaitSync('get', ...ms(timeoutMs)) as T;
  }
  async get(timeoutMs?: number): Promise<T> {
    return (await this.callWait('get', ...ms(timeoutMs))) as T;
  }
  getNowait(): T {
    return this.callNow('getNowait') as T;
  }
  taskDone(): void {
    this.callNow('taskDone');
  }
  joinSync(timeoutMs?: number): void {
    this.callWaitSync('join', ...ms(timeoutMs));
  }
  async join(timeoutMs?: number): Promise<void> {
    await this.callWait('join', ...ms(timeoutMs));
  }
  shutdown(options?: { immediate?: boolean }): void {
    this.callNow('shutdown', { immediate: checkShutdownOptions(options) });
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof QueueShutDownError) return;
        throw error;
      }
    }
  }
}

/**
 * `item`, unless it holds a shared object (a proxy would cross as an empty object) or what a Queue item may not: the Queue's own refusal.
 * @throws {TaskError} naming where it is.
 */
function refuseShared<T>(item: T): T {
  const where = forbiddenInItem(item);
  if (where !== undefined) {
    throw new TaskError(
      `Cannot put ${where} in a Queue: items are copied by structured clone and may not hold SharedArrayBuffers, shared objects, pools or Futures. Pass shared things in \`args\` instead.`,
    );
  }
  return item;
}

/** The proxy of served object `marker` of kind `kind`. */
export function remoteObject(kind: Kind, marker: RemoteMarker): Shareable {
  switch (kind) {
    case 'Event':
      return new RemoteEvent(marker);
    case 'Lock':
    case 'RLock':
    case 'Semaphore':
    case 'BoundedSemaphore':
      return new RemoteLockLike(marker, kind);
    case 'Condition':
      return new RemoteCondition(marker);
    case 'Barrier':
      return new RemoteBarrier(marker);
    case 'Queue':
      return new RemoteQueue(marker);
  }
}
