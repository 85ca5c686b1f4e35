// WorkerHost: a machine that takes jobs from a distributed queue and runs each as one task of its local pool.

import { TaskError } from '../errors.js';
import { validateMs, validateOptions } from '../base/validate.js';
import type { Outcome } from '../core/settlement.js';
import type { Executor } from '../executor/executor.js';
import type { Future } from '../executor/future.js';
import { settlementOf } from '../executor/future.js';
import type { Target } from '../backend/task.js';
import { decodeMessage, decodePayload, encodeMessage, encodeOutcome, type CancelMessage, type JobData } from './codec.js';
import { queueKeys, type QueueKeys } from './keys.js';
import { hostOptions, type HostConfig, type WorkerHostOptions } from './options.js';
import type { Worker } from 'bullmq';
import { address, batchWrites, connect, modules, ready, withScripts, type RedisClient, type Scripts } from './redis.js';
import { resolveTarget } from './targets.js';

/** One job in this host's hands, from the moment BullMQ gave it until its outcome is written. */
interface HeldJob {
  readonly id: string;
  /** Its `running` event was published. */
  announced: boolean;
  /** The pool task running it, once its target was handed to the pool. */
  local: Future<unknown> | undefined;
  /** A cancel or stop that arrived for it: applied to `local` now or when it exists. */
  cancel: CancelMessage | undefined;
}

const STOP_KEYS = new Set(['graceMs']);
/** How long a job runs on the host's pool before clients are told it is running. */
const ANNOUNCE_AFTER_MS = 2;

/**
 * A host: takes jobs from the queue, up to `executor.maxWorkers` at once, and runs each as one
 * task of `executor` (section 7's guarantees hold: per-task cancel, worker replacement, crash
 * isolation). Its liveness record in Redis is refreshed every third of `hostTimeoutMs`. It runs
 * until shutdown() or stop().
 */
export class WorkerHost {
  readonly #config: HostConfig;
  readonly #keys: QueueKeys;
  readonly #held = new Map<string, HeldJob>();
  /** Outcomes being written (shutdown waits for them). */
  readonly #writes = new Set<Promise<void>>();
  #started: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #cmd: (RedisClient & Scripts) | undefined;
  #sub: RedisClient | undefined;
  #worker: Worker | undefined;
  #beat: NodeJS.Timeout | undefined;

  /** @throws {TypeError|RangeError} naming the option that is not what it should be; nothing is started. */
  constructor(options: WorkerHostOptions) {
    this.#config = hostOptions(options);
    this.#keys = queueKeys(this.#config.queue);
  }

  /** `<hostname>:<pid>` unless named: how errors name this host. */
  get name(): string {
    return this.#config.name;
  }

  get queue(): string {
    return this.#config.queue;
  }

  get executor(): Executor {
    return this.#config.executor;
  }

  /** Jobs in this host's hands now. */
  get running(): number {
    return this.#held.size;
  }

  /**
   * Connects and begins taking jobs; resolves once the host is ready. A second call returns the same wait.
   * @throws {ConnectionError} (rejects) when Redis cannot be reached within hostTimeoutMs.
   */
  start(): Promise<void> {
    return (this.#started ??= this.#start());
  }

  async #start(): Promise<void> {
    const { Redis, bullmq } = await modules();
    const { connection, hostTimeoutMs, name, queue } = this.#config;
    const where = address(connection);
    const cmd = withScripts(connect(Redis, connection, { held: true, name: `threadkit-worker ${name}` }));
    const sub = connect(Redis, connection, { held: true, name: `threadkit-worker ${name}:cancels` });
    this.#cmd = cmd;
    this.#sub = sub;
    sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#onCancel(message));
    await Promise.all([ready(cmd, where, hostTimeoutMs), ready(sub, where, hostTimeoutMs)]);
    await sub.subscribe(this.#keys.cancels);
    await this.#alive();
    // Back after Redis was away: say so at once (clients judge hosts by this record).
    cmd.on('ready', () => void this.#alive().catch(() => {}));
    this.#beat = setInterval(() => void this.#alive().catch(() => {}), Math.max(100, Math.floor(hostTimeoutMs / 3)));
    const worker = new bullmq.Worker(queue, (job) => this.#process(job.data as JobData, job.id ?? (job.data as JobData).id), {
      connection: cmd,
      concurrency: this.#config.concurrency,
      lockDuration: hostTimeoutMs,
      stalledInterval: hostTimeoutMs,
      maxStalledCount: 0,
      autorun: false,
      name,
    });
    worker.on('error', () => {
      // Connection errors while Redis is away: BullMQ reconnects; the jobs' records are the truth.
    });
    this.#worker = worker;
    void worker.run().catch(() => {});
    await worker.waitUntilReady();
  }

  /** The liveness record, and the cancel records of the jobs in hand (a cancel message lost while Redis was away). */
  async #alive(): Promise<void> {
    const cmd = this.#cmd!;
    const pipeline = cmd.pipeline().set(this.#keys.host(this.#config.name), '1', 'PX', this.#config.hostTimeoutMs);
    const ids = [...this.#held.entries()].filter(([, held]) => held.cancel === undefined).map(([id]) => id);
    for (const id of ids) pipeline.getBuffer(this.#keys.cancel(id));
    const answers = (await pipeline.exec()) ?? [];
    ids.forEach((id, i) => {
      const record = answers[i + 1]?.[1];
      if (Buffer.isBuffer(record)) this.#applyCancel(id, decodeMessage<CancelMessage>(record));
    });
  }

  #onCancel(message: Buffer): void {
    let cancel: CancelMessage;
    try {
      cancel = decodeMessage<CancelMessage>(message);
    } catch {
      return;
    }
    this.#applyCancel(cancel.id, cancel);
  }

  #applyCancel(id: string, cancel: CancelMessage): void {
    const held = this.#held.get(id);
    if (held === undefined) return;
    // A stop after a cancel still stops; a second cancel changes nothing.
    if (held.cancel !== undefined && (cancel.graceMs === undefined || held.cancel.graceMs !== undefined)) return;
    held.cancel = cancel;
    if (held.local !== undefined) this.#applyCancelTo(held.local, cancel);
  }

  /** BullMQ's processor: begin (unless cancelled or begun before), run on the pool, write the outcome. Never throws. */
  async #process(data: JobData, bullJobId: string): Promise<void> {
    const { id } = data;
    const held: HeldJob = { id, announced: false, local: undefined, cancel: undefined };
    this.#held.set(id, held);
    try {
      const keys = this.#keys;
      // The target is read and loaded while the begin check is on its way.
      const loading = this.#load(data);
      loading.catch(() => {});
      const [verdict, record] = await this.#cmd!.tkBeginBuffer(keys.record(id), keys.cancel(id), this.#config.name, bullJobId);
      switch (verdict.toString()) {
        case 'go':
          break;
        case 'cancelled':
          // Never begun: no record names this host yet, so the outcome is written for any.
          this.#end(data, { status: 'cancelled', reason: decodeMessage<CancelMessage>(record!).reason }, '');
          return;
        default:
          // Begun before (at most once), or already ended: nothing to do.
          return;
      }
      // Its outcome is written on the connection BullMQ completes the job on, so in order; not awaited
      // (the next job need not wait for the reply), and in the same socket write as BullMQ's
      // completion, issued in this tick's microtasks. shutdown() waits for the writes in flight.
      const outcome = await this.#run(data, held, loading);
      batchWrites(this.#cmd!);
      this.#end(data, outcome);
    } catch {
      // Redis went away: the client finds the job's host alive and waits; nothing to throw to BullMQ.
    } finally {
      this.#held.delete(id);
    }
  }

  /** A job's target and args, or the TaskError saying why they cannot be had on this host. */
  async #load(data: JobData): Promise<{ target: Target; args: unknown[] }> {
    try {
      const payload = decodePayload(data.payload);
      const target = await resolveTarget(payload.target, {
        root: this.#config.root,
        host: this.#config.name,
        acceptSource: this.#config.acceptSource,
      });
      return { target, args: payload.args };
    } catch (error) {
      throw error instanceof TaskError
        ? error
        : new TaskError(`Host ${this.#config.name} cannot read ${data.name}: ${String(error)}`, { cause: error });
    }
  }

  /** The job's outcome: its target run as one task of the pool (a chunk of map(): each item in turn). */
  async #run(data: JobData, held: HeldJob, loading: Promise<{ target: Target; args: unknown[] }>): Promise<Outcome> {
    let target: Target;
    let args: unknown[];
    try {
      ({ target, args } = await loading);
    } catch (error) {
      return { status: 'failed', error };
    }
    if (held.cancel !== undefined) return { status: 'cancelled', reason: held.cancel.reason };
    if (!data.each) return this.#task(target, args, data.name, held);
    const results: unknown[] = [];
    for (const item of args[0] as unknown[]) {
      const outcome = await this.#task(target, [item], data.name, held);
      if (outcome.status !== 'completed') return outcome;
      results.push(outcome.value);
    }
    return { status: 'completed', value: results };
  }

  async #task(target: Target, args: unknown[], name: string, held: HeldJob): Promise<Outcome> {
    let local: Future<unknown>;
    try {
      local = this.#config.executor.run(target, args, { name });
    } catch (error) {
      return { status: 'failed', error };
    }
    held.local = local;
    if (held.cancel !== undefined) this.#applyCancelTo(local, held.cancel);
    else if (!held.announced) {
      held.announced = true;
      void this.#announce(held.id, local);
    }
    await settlementOf(local).ended;
    return local.outcome!;
  }

  /**
   * Tells the clients that the job runs once its target has begun on a worker (the pool's future
   * leaves `pending`: a worker thread's claim in shared memory, a child's message), so that a cancel
   * sent after it sees `running` finds the target running.
   */
  async #announce(id: string, local: Future<unknown>): Promise<void> {
    // A job that ends within a couple of milliseconds is never announced: its outcome says it all,
    // and the host spends no publish (nor a poll) on it.
    for (let turns = 0; turns === 0 || local.state === 'pending'; turns += 1) {
      await new Promise((resolve) => setTimeout(resolve, turns === 0 ? ANNOUNCE_AFTER_MS : 1));
      if (local.done()) return;
    }
    const event = encodeMessage({ kind: 'running', id, host: this.#config.name });
    await this.#cmd!.tkAnnounce(this.#keys.record(id), this.#keys.events, event).catch(() => {});
  }

  /** cancel(), and for a stop, the worker replaced when the task has not ended `graceMs` later. */
  #applyCancelTo(local: Future<unknown>, cancel: CancelMessage): void {
    local.cancel(cancel.reason);
    if (cancel.graceMs !== undefined) void local.stop({ graceMs: cancel.graceMs });
  }

  /** Writes the job's outcome (once: not over one written already, nor for a job this host does not run when `expectHost`). */
  #end(data: JobData, outcome: Outcome, expectHost = this.#config.name): void {
    const out = encodeOutcome(outcome, data.name);
    const event = encodeMessage({ kind: 'ended', id: data.id, out });
    const write = this.#cmd!.tkEnd(this.#keys.record(data.id), this.#keys.events, out, data.keepMs, event, expectHost).then(
      () => {},
      () => {},
    );
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  /** No new jobs; waits for the running ones; shuts down the executor and disconnects. Idempotent. */
  shutdown(): Promise<void> {
    return (this.#closing ??= this.#close(undefined));
  }

  /** shutdown(), after cancelling the running jobs and replacing the workers of those not ended after `graceMs` (default 1000). */
  async stop(options?: { graceMs?: number }): Promise<void> {
    const graceMs = validateOptions(options, 'stop()', STOP_KEYS).graceMs ?? 1000;
    validateMs(graceMs, 'graceMs');
    this.#closing ??= this.#close(graceMs);
    if (this.#closing !== undefined)
      for (const held of this.#held.values()) if (held.local !== undefined) void held.local.stop({ graceMs: graceMs });
    await this.#closing;
  }

  async #close(graceMs: number | undefined): Promise<void> {
    await this.#started?.catch(() => {});
    const closing = this.#worker?.close();
    if (graceMs !== undefined) for (const held of this.#held.values()) if (held.local !== undefined) void held.local.stop({ graceMs });
    await closing?.catch(() => {});
    await Promise.all([...this.#writes]);
    clearInterval(this.#beat);
    if (graceMs !== undefined) await this.#config.executor.stop({ graceMs });
    else await this.#config.executor.shutdown();
    if (this.#cmd !== undefined) {
      await this.#cmd.del(this.#keys.host(this.#config.name)).catch(() => {});
      this.#cmd.disconnect();
    }
    this.#sub?.disconnect();
  }
}
