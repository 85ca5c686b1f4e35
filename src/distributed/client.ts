// DistributedExecutor: section 7's executor API over a BullMQ queue on Redis; futures settled from the hosts' events and checked against Redis.

import { randomUUID } from 'node:crypto';
import { ExecutorShutDownError, got } from '../errors.js';
import { validateBoolean, validateMs, validateOptions } from '../base/validate.js';
import type { ArgsOf, ResultOf } from '../core/thread-options.js';
import type { Outcome } from '../core/settlement.js';
import type { Target } from '../backend/task.js';
import { settlementOf, type FutureControl } from '../executor/future.js';
import { mapTasks, type MapOptions } from '../executor/map.js';
import { crossable, decodeMessage, encodeMessage, encodeOutcome, encodePayload, type JobData, type JobEvent } from './codec.js';
import { queueKeys, type QueueKeys } from './keys.js';
import { clientOptions, type ClientConfig, type DistributedExecutorOptions } from './options.js';
import { address, batchWrites, connect, modules, ready, withScripts, type ClientConnection } from './redis.js';
import { DistributedFuture, RemoteJob } from './remote-job.js';
import { Reconciler, settleFromEvent } from './reconcile.js';
import { describeTarget, type TargetDescriptor } from './targets.js';

/** Options of `run()` on a DistributedExecutor. */
export interface DistributedRunOptions {
  /** Cancels the job when it aborts; its host replaces the worker when the job has not ended graceMs later. */
  signal?: AbortSignal;
  /** The job's name, for messages. */
  name?: string;
  /** Starts in all when its host dies (default 1: at most once; more: at least once). */
  attempts?: number;
}

/** `ex.stats`: this client's futures at this moment. */
export interface DistributedStats {
  /** Submitted and not begun on a host yet. */
  readonly queued: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly terminated: number;
}

const RUN_KEYS = new Set(['signal', 'name', 'attempts']);
const SHUTDOWN_KEYS = new Set(['cancelFutures']);
const STOP_KEYS = new Set(['graceMs']);
/** Chunks a map() keeps in flight (the hosts' capacity is not known here). */
const MAP_IN_FLIGHT = 64;

let executors = 0;

/**
 * The client of a distributed queue: submit work that WorkerHosts on any machine run, and get
 * section 7's Futures back (with `id`). The constructor connects to nothing; the first
 * submit/run/map/future connects. An idle client never holds the program open.
 */
export class DistributedExecutor implements AsyncDisposable {
  readonly #config: ClientConfig;
  readonly #name: string;
  readonly #keys: QueueKeys;
  readonly #where: string;
  /** Pending jobs (submitted or attached), by id. */
  readonly #jobs = new Map<string, RemoteJob>();
  readonly #counts = { completed: 0, failed: 0, cancelled: 0, terminated: 0 };
  #connection: Promise<ClientConnection> | undefined;
  #connected: ClientConnection | undefined;
  /** Holds the program while jobs are pending, and checks them every checkIntervalMs. */
  #ticker: NodeJS.Timeout | undefined;
  readonly #reconciler: Reconciler;
  #shuttingDown = false;
  #shutdownDone: Promise<void> | undefined;
  #nextJob = 0;
  /** Calls in flight that hold the program (queueCounts()). */
  #calls = 0;
  /** Target descriptors of functions, made once per function (relative to this client's root). */
  readonly #descriptors = new WeakMap<object, TargetDescriptor>();

  /** @throws {TypeError|RangeError} naming the option that is not what it should be. */
  constructor(options: DistributedExecutorOptions) {
    this.#config = clientOptions(options);
    executors += 1;
    this.#name = this.#config.name ?? `DistributedExecutor-${executors}`;
    this.#keys = queueKeys(this.#config.queue);
    this.#where = address(this.#config.connection);
    this.#reconciler = new Reconciler({
      keys: this.#keys,
      queue: this.#config.queue,
      keepResultsMs: this.#config.keepResultsMs,
      jobs: () => this.#jobs.values(),
      connection: () => this.#connected,
      finish: (job, outcome) => this.#finish(job, outcome),
    });
  }

  get name(): string {
    return this.#name;
  }

  /** The queue's name. */
  get queue(): string {
    return this.#config.queue;
  }

  /** `{ queued, running, completed, failed, cancelled, terminated }`: this client's futures now. */
  get stats(): DistributedStats {
    let queued = 0;
    let running = 0;
    for (const job of this.#jobs.values()) {
      if (!job.own) continue;
      if (job.state === 'pending') queued += 1;
      else running += 1;
    }
    return { queued, running, ...this.#counts };
  }

  /**
   * Queues `target(...args)` as a job and returns its Future at once (`id` known now).
   * @throws {ExecutorShutDownError} after shutdown() or stop().
   * @throws {TaskError} for an argument that cannot be serialized or cannot cross machines (named), or a native or bound function.
   * @throws {TypeError} for a target that is none of the forms.
   */
  submit<T extends Target>(target: T, ...args: ArgsOf<T>): DistributedFuture<ResultOf<T>> {
    return this.run(target, args);
  }

  /**
   * `submit()` with per-job options: `signal` (a deadline that really stops the work: cancel, then
   * the worker replaced graceMs later), `name`, `attempts` (starts in all when its host dies).
   * An already aborted signal ends the future cancelled and queues nothing.
   */
  run<T extends Target>(target: T, args?: ArgsOf<T>, options?: DistributedRunOptions): DistributedFuture<ResultOf<T>> {
    return this.#submit(target, args ?? [], options, false) as DistributedFuture<ResultOf<T>>;
  }

  /** As section 7's map(): lazy, at most 64 jobs in flight, ordered or not, chunked; cancels the rest on break or a failure. */
  map<T extends Target>(
    target: T,
    iterable: Iterable<ArgsOf<T>[0]> | AsyncIterable<ArgsOf<T>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<ResultOf<T>> {
    this.#refuseAfterShutdown('map');
    this.#describe(target, `the target of ${this.#name}.map()`);
    return mapTasks(
      (items, each) => this.#submit(target, items, undefined, each),
      iterable,
      options,
      MAP_IN_FLIGHT,
    ) as AsyncIterableIterator<ResultOf<T>>;
  }

  /**
   * The Future of job `id`, submitted by any client of this queue: it ends as the submitter's
   * does; cancel() and stop() act on the job. The same Future again while it is pending. An id
   * Redis does not know ends it failed with a TaskError naming the id.
   * @throws {TypeError} for an id that is not a non-empty string.
   */
  future<R = unknown>(id: string): DistributedFuture<R> {
    if (typeof id !== 'string' || id === '') throw new TypeError(`Expected \`id\` to be a job id (a non-empty string), ${got(id)}`);
    this.#refuseAfterShutdown('attach a future');
    const known = this.#jobs.get(id);
    if (known !== undefined) return known.future as DistributedFuture<R>;
    const job = new RemoteJob(id, `job ${id}`, this.#control, undefined);
    job.sent = true;
    this.#track(job);
    void this.#attach(job);
    return job.future as DistributedFuture<R>;
  }

  /** The queue's own counts from Redis (`waiting`, `active`, `delayed`, `completed`, `failed`, ...), every client's jobs included. */
  async queueCounts(): Promise<Record<string, number>> {
    return this.#holding(async () => (await this.#reach()).queue.getJobCounts());
  }

  /**
   * No new work (submit/run/map/future throw ExecutorShutDownError from now on). Resolves once
   * this client's pending futures have ended (with `cancelFutures`, the queued ones are cancelled
   * first) and its connections are closed. Idempotent.
   */
  shutdown(options?: { cancelFutures?: boolean }): Promise<void> {
    const { cancelFutures } = validateOptions(options, 'shutdown()', SHUTDOWN_KEYS);
    validateBoolean(cancelFutures, 'cancelFutures');
    this.#shuttingDown = true;
    if (cancelFutures === true)
      for (const job of [...this.#jobs.values()]) if (job.own && job.state === 'pending') this.#cancel(job, undefined, undefined);
    return (this.#shutdownDone ??= this.#drainAndClose());
  }

  /** Shuts down, stops every pending job of this client (cancel, then its worker replaced after `graceMs`, default the executor's), and closes. */
  async stop(options?: { graceMs?: number }): Promise<void> {
    const graceMs = validateOptions(options, 'stop()', STOP_KEYS).graceMs;
    if (graceMs !== undefined) validateMs(graceMs, 'graceMs');
    const done = this.shutdown({ cancelFutures: true });
    for (const job of [...this.#jobs.values()]) if (job.own) this.#cancel(job, undefined, graceMs ?? this.#config.graceMs);
    await done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  readonly #control: FutureControl<RemoteJob> = {
    cancel: (job, reason) => this.#cancel(job, reason, undefined),
    stop: (job, graceMs) => this.#cancel(job, undefined, graceMs ?? this.#config.graceMs),
    state: (job) => job.state,
  };

  #refuseAfterShutdown(what: string): void {
    if (this.#shuttingDown)
      throw new ExecutorShutDownError(`Cannot ${what} on ${this.#name}: it was shut down. Create a new DistributedExecutor for new work.`);
  }

  #describe(target: Target, owner: string): TargetDescriptor {
    if (typeof target !== 'function') return describeTarget(target, owner, this.#config.root);
    let descriptor = this.#descriptors.get(target);
    if (descriptor === undefined) this.#descriptors.set(target, (descriptor = describeTarget(target, owner, this.#config.root)));
    return descriptor;
  }

  #submit(target: Target, args: unknown[], options: DistributedRunOptions | undefined, each: boolean): DistributedFuture<unknown> {
    this.#refuseAfterShutdown(each ? 'map' : 'submit');
    if (!Array.isArray(args)) throw new TypeError(`Expected \`args\` to be an array, ${got(args)}`);
    const { signal, name, attempts = 1 } = validateOptions(options, 'run()', RUN_KEYS) as DistributedRunOptions;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw new TypeError(`Expected \`signal\` to be an AbortSignal, ${got(signal)}`);
    if (name !== undefined && (typeof name !== 'string' || name === ''))
      throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(name)}`);
    if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1) {
      throw new RangeError(`Expected \`attempts\` to be an integer >= 1, ${got(attempts)}`);
    }
    this.#nextJob += 1;
    const jobName = name ?? `${this.#name} job ${this.#nextJob}`;
    const descriptor = this.#describe(target, jobName);
    const payload = encodePayload(descriptor, args, jobName);
    const id = randomUUID();
    const data: JobData = {
      id,
      name: jobName,
      attempts,
      payload,
      submitter: this.#name,
      keepMs: this.#config.keepResultsMs,
      ...(each ? { each: true } : {}),
    };
    const job = new RemoteJob(id, jobName, this.#control, data);
    if (signal?.aborted) {
      this.#count(job, { status: 'cancelled', reason: signal.reason });
      job.end({ status: 'cancelled', reason: signal.reason });
      return job.future;
    }
    this.#track(job);
    if (signal !== undefined) {
      // Cancel with the signal's reason, then the worker replaced graceMs later.
      const onAbort = (): void => this.#cancel(job, signal.reason, this.#config.graceMs);
      signal.addEventListener('abort', onAbort, { once: true });
      void settlementOf(job.future).ended.then(() => signal.removeEventListener('abort', onAbort));
    }
    void this.#send(job);
    return job.future;
  }

  /** Connects (once) and waits for Redis: ConnectionError after connectTimeoutMs. */
  async #reach(): Promise<ClientConnection> {
    const connection = await (this.#connection ??= this.#connect());
    const deadline = this.#config.connectTimeoutMs;
    await Promise.all([ready(connection.cmd, this.#where, deadline), ready(connection.sub, this.#where, deadline)]);
    await connection.subscribed;
    return connection;
  }

  async #connect(): Promise<ClientConnection> {
    const { Redis, bullmq } = await modules();
    const cmd = withScripts(connect(Redis, this.#config.connection, { held: false, name: this.#name }));
    const sub = connect(Redis, this.#config.connection, { held: false, name: `${this.#name}:events` });
    sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#onEvent(message));
    const subscribed = sub.subscribe(this.#keys.events);
    subscribed.catch(() => {});
    const queue = new bullmq.Queue(this.#config.queue, { connection: cmd });
    queue.on('error', () => {});
    // A reconnect after Redis came back: catch up at once (events published meanwhile were lost).
    let readies = 0;
    cmd.on('ready', () => {
      readies += 1;
      if (readies > 1) this.#reconciler.reconnected();
    });
    sub.on('ready', () => this.#reconciler.soon());
    cmd.on('reconnecting', () => this.#dropIfIdle());
    sub.on('reconnecting', () => this.#dropIfIdle());
    const connection: ClientConnection = { cmd, sub, queue, subscribed };
    this.#connected = connection;
    return connection;
  }

  async #send(job: RemoteJob): Promise<void> {
    let connection: ClientConnection;
    try {
      connection = await this.#reach();
    } catch (error) {
      this.#finish(job, { status: 'failed', error });
      return;
    }
    if (job.state === 'ended') return;
    job.sent = true;
    // Submits of one tick (a burst, map()'s chunks) leave in one socket write.
    batchWrites(connection.cmd);
    try {
      await connection.queue.add(job.data!.name, job.data, { jobId: job.id, removeOnComplete: true, removeOnFail: true });
      job.known = true;
    } catch (error) {
      this.#finish(job, { status: 'failed', error });
    }
  }

  async #attach(job: RemoteJob): Promise<void> {
    try {
      await this.#reach();
    } catch (error) {
      this.#finish(job, { status: 'failed', error });
      return;
    }
    await this.#reconciler.check([job]).catch(() => {
      // Redis went away in the middle: the ticker checks it again.
    });
  }

  #cancel(job: RemoteJob, reason: unknown, graceMs: number | undefined): void {
    if (job.state === 'ended') return;
    if (!job.sent) {
      this.#finish(job, { status: 'cancelled', reason });
      return;
    }
    job.cancelAsked = true;
    if (job.state === 'running') job.state = 'cancelling';
    this.#remoteCancel(job, reason, graceMs).catch(() => {
      // Redis went away: the cancel record was not written; the job's outcome still arrives when it is back.
    });
  }

  async #remoteCancel(job: RemoteJob, reason: unknown, graceMs: number | undefined): Promise<void> {
    const connection = await this.#reach();
    const keys = this.#keys;
    const message = encodeMessage({ id: job.id, reason: crossable(reason), graceMs });
    const answer = await connection.cmd.tkCancel(
      keys.record(job.id),
      keys.cancel(job.id),
      keys.cancels,
      message,
      this.#config.keepResultsMs,
      message,
    );
    if (answer === 0 || answer[0] === 'running') return;
    // Not begun: take it out of the queue. A host that took it in the meantime sees the cancel record before it begins.
    const removed = await connection.queue.remove(answer[1] ?? job.id);
    if (removed !== 1) return;
    const outcome: Outcome = { status: 'cancelled', reason: crossable(reason) };
    const out = encodeOutcome(outcome, job.future.name);
    const event = encodeMessage({ kind: 'ended', id: job.id, out });
    if ((await connection.cmd.tkEnd(keys.record(job.id), keys.events, out, this.#config.keepResultsMs, event, '')) === 1)
      this.#finish(job, outcome);
  }

  #onEvent(message: Buffer): void {
    let event: JobEvent;
    try {
      event = decodeMessage<JobEvent>(message);
    } catch {
      return;
    }
    const job = this.#jobs.get(event.id);
    if (job !== undefined) settleFromEvent(job, event, (outcome) => this.#finish(job, outcome));
  }

  /** Holds the program open while `call` runs (the connections' sockets do not). */
  async #holding<T>(call: () => Promise<T>): Promise<T> {
    const hold = setInterval(() => {}, 2 ** 31 - 1);
    this.#calls += 1;
    try {
      return await call();
    } finally {
      this.#calls -= 1;
      clearInterval(hold);
      this.#dropIfIdle();
    }
  }

  #track(job: RemoteJob): void {
    this.#jobs.set(job.id, job);
    this.#ticker ??= setInterval(() => this.#reconciler.soon(), this.#config.checkIntervalMs);
  }

  #count(job: RemoteJob, outcome: Outcome): void {
    if (job.own) this.#counts[outcome.status] += 1;
  }

  #finish(job: RemoteJob, outcome: Outcome): void {
    if (!job.end(outcome)) return;
    this.#count(job, outcome);
    this.#jobs.delete(job.id);
    if (this.#jobs.size > 0) return;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#dropIfIdle();
  }

  /**
   * Idle while Redis is unreachable: ioredis's reconnect timers would hold the program open. Lets
   * the connections go; the next call connects again.
   */
  #dropIfIdle(): void {
    const connection = this.#connected;
    if (connection === undefined || this.#jobs.size > 0 || this.#calls > 0) return;
    if (connection.cmd.status === 'ready' && connection.sub.status === 'ready') return;
    this.#connected = undefined;
    this.#connection = undefined;
    void connection.queue.close().catch(() => {});
    connection.cmd.disconnect();
    connection.sub.disconnect();
  }

  async #drainAndClose(): Promise<void> {
    await Promise.all([...this.#jobs.values()].map((job) => settlementOf(job.future).ended));
    const connection = this.#connection === undefined ? undefined : await this.#connection.catch(() => undefined);
    if (connection === undefined) return;
    await connection.queue.close().catch(() => {});
    connection.sub.disconnect();
    connection.cmd.disconnect();
  }
}
