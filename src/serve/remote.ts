// Inside a Process: the proxies of the shared objects its parent serves, one class per kind, each call a round trip.
//
// reviveArgs (transfer.ts) makes a proxy for each marker with a remote id. A proxy has its class's
// methods and kind, so `instanceof Lock` holds, and every call is one round trip to the parent
// (serve.ts) through this process's client (remote-client.ts): a blocking form writes the request
// and blocks on the calling thread's WAKE slot (wake-table.ts) until the reply is in, or a cancel
// comes; then it sends an abort and still takes the reply, which is the result when it came first
// (an item a get took is returned, never lost), else the wait's CancelledError. An async form
// awaits the same reply. What is not a call (a Condition's waitFor loop, a Queue's iterator, an
// item's checks) is the in-memory class's own code, shared.

import { CancelledError, TaskError } from '../errors.js';
import { callerCancelled } from '../memory/context.js';
import { rebuildThrown } from '../wire/serialize.js';
import { checkpoint } from '../memory/runtime.js';
import { KIND, LOCK_OPS, SHARE, held, type Held, type Kind, type Shareable } from '../shared/brand.js';
import { waitFor, waitForSync } from '../shared/condition.js';
import { timedOut } from '../shared/lock.js';
import { checkShutdownOptions, untilShutDown } from '../shared/queue.js';
import { refuseForbidden } from '../shared/queue-item.js';
import { client, type Reply } from './remote-client.js';
import type { RemoteMarker } from '../wire/remote-protocol.js';
import { timeoutOf } from '../memory/wait.js';

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
    return waitForSync((left) => this.waitSync(left), predicate, timeoutMs);
  }
  async waitFor<R>(predicate: () => R | PromiseLike<R>, timeoutMs?: number): Promise<R> {
    return waitFor((left) => this.wait(left), predicate, timeoutMs);
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
  // An item holding a shared object is refused here: its proxy would cross as an empty object.
  putSync(item: T, timeoutMs?: number): void {
    this.callWaitSync('put', refuseForbidden(item), ...ms(timeoutMs));
  }
  async put(item: T, timeoutMs?: number): Promise<void> {
    await this.callWait('put', refuseForbidden(item), ...ms(timeoutMs));
  }
  putNowait(item: T): void {
    this.callNow('putNowait', refuseForbidden(item));
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
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return untilShutDown(() => this.get());
  }
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
