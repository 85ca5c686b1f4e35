// The client's check of its pending jobs against Redis: outcomes it missed, hosts that died (at most once, or again under `attempts`), ids Redis does not know.

import { TaskError, ThreadCrashedError } from '../errors.js';
import type { Outcome } from '../core/settlement.js';
import { decodeOutcome, encodeMessage, encodeOutcome, type JobData, type JobEvent } from './codec.js';
import type { QueueKeys } from './keys.js';
import type { ClientConnection } from './redis.js';
import type { RemoteJob } from './remote-job.js';

/** Applies a host's event to a job: `running` (with its host), or its outcome. */
export function settleFromEvent(job: RemoteJob, event: JobEvent, finish: (outcome: Outcome) => void): void {
  if (event.kind === 'running') {
    job.host = event.host;
    job.known = true;
    if (job.state === 'pending') job.state = job.cancelAsked ? 'cancelling' : 'running';
    return;
  }
  finish(decodeOutcome(event.out));
}

export interface ReconcilerContext {
  readonly keys: QueueKeys;
  readonly queue: string;
  readonly keepResultsMs: number;
  jobs(): Iterable<RemoteJob>;
  connection(): ClientConnection | undefined;
  finish(job: RemoteJob, outcome: Outcome): void;
}

/** How long after a reconnect no host is judged dead (theirs may come back a little later than ours). */
const RECONNECT_GRACE_MS = 2000;

/** The error of a job id that Redis does not know. */
export function unknownJob(id: string, queue: string): TaskError {
  return new TaskError(`Queue ${queue} has no job ${id}: it was never submitted, or its outcome is older than keepResultsMs.`);
}

/** One check at a time, every checkIntervalMs while jobs are pending (the client's ticker), and at once after a reconnect. */
export class Reconciler {
  readonly #context: ReconcilerContext;
  #running: Promise<void> | undefined;
  #again = false;
  /** Until when no host is judged dead: just after Redis came back, hosts have not refreshed their liveness yet. */
  #trustHostsUntil = 0;

  constructor(context: ReconcilerContext) {
    this.#context = context;
  }

  /** This client reconnected to Redis: give the hosts a moment to reconnect and refresh their liveness records. */
  reconnected(): void {
    this.#trustHostsUntil = Date.now() + RECONNECT_GRACE_MS;
  }

  /** Checks every pending job now, or right after the check in progress. */
  soon(): void {
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.check([...this.#context.jobs()])
      .catch(() => {
        // Redis went away in the middle: the next tick tries again.
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.soon();
        }
      });
  }

  /** Reads the records of `jobs` (those whose add() was sent) and acts on what they say. */
  async check(jobs: RemoteJob[]): Promise<void> {
    const connection = this.#context.connection();
    if (connection === undefined || connection.cmd.status !== 'ready') return;
    const { cmd, queue } = connection;
    const { keys } = this.#context;
    const sent = jobs.filter((job) => job.sent && job.state !== 'ended');
    if (sent.length === 0) return;
    const read = cmd.pipeline();
    for (const job of sent) read.hmgetBuffer(keys.record(job.id), 'st', 'host', 'out', 'starts', 'bj', 'began');
    const records = (await read.exec()) ?? [];
    const running = new Map<string, RemoteJob[]>();
    const unseen: { job: RemoteJob; bj: string }[] = [];
    sent.forEach((job, i) => {
      const [error, fields] = records[i] ?? [];
      if (error || !Array.isArray(fields)) return;
      const [st, host, out, starts, bj, began] = (fields as (Buffer | null)[]).map((field) => field ?? undefined);
      const state = st?.toString();
      if (state === 'ended' && out !== undefined) {
        this.#context.finish(job, decodeOutcome(out));
      } else if (state === 'running' && host !== undefined) {
        const name = host.toString();
        // Its host is known from the begin check; it is `running` once its target began (announced).
        job.host = name;
        if (began !== undefined) settleFromEvent(job, { kind: 'running', id: job.id, host: name }, () => {});
        running.set(name, [...(running.get(name) ?? []), job]);
        job.starts = Number(starts?.toString() ?? 1);
      } else if (job.known || !job.own) {
        unseen.push({ job, bj: bj?.toString() ?? job.id });
      }
    });
    await this.#checkHosts(connection, running);
    await this.#checkQueued(connection, unseen);
    void queue;
  }

  /** Jobs whose host has no liveness record any more: failed (at most once) or queued again (`attempts`). */
  async #checkHosts(connection: ClientConnection, running: Map<string, RemoteJob[]>): Promise<void> {
    if (running.size === 0 || Date.now() < this.#trustHostsUntil) return;
    const hosts = [...running.keys()];
    const alive = await connection.cmd.pipeline(hosts.map((host) => ['exists', this.#context.keys.host(host)])).exec();
    for (const [i, host] of hosts.entries()) {
      const [error, exists] = alive?.[i] ?? [];
      if (error || exists !== 0) continue;
      for (const job of running.get(host)!) await this.#hostDied(connection, job, host);
    }
  }

  async #hostDied(connection: ClientConnection, job: RemoteJob, host: string): Promise<void> {
    const { keys, keepResultsMs } = this.#context;
    const data = job.data ?? ((await connection.queue.getJob(job.bullJobId ?? job.id))?.data as JobData | undefined);
    const starts = job.starts ?? 1;
    if (data !== undefined && starts < data.attempts) {
      const next = `${job.id}.${starts + 1}`;
      if ((await connection.cmd.tkRequeue(keys.record(job.id), host, next)) !== 1) return;
      job.bullJobId = next;
      await connection.queue.add(data.name, data, { jobId: next, removeOnComplete: true, removeOnFail: true });
      return;
    }
    const error = new ThreadCrashedError(
      `${job.future.name} (job ${job.id}) was running on host ${host}, which stopped answering (no sign of life for its hostTimeoutMs). ` +
        'It is not started again (at most once); run it with { attempts: n } to have it started again on another host.',
    );
    const outcome: Outcome = { status: 'failed', error };
    const out = encodeOutcome(outcome, job.future.name);
    const event = encodeMessage({ kind: 'ended', id: job.id, out });
    if ((await connection.cmd.tkEnd(keys.record(job.id), keys.events, out, keepResultsMs, event, host)) === 1)
      this.#context.finish(job, decodeOutcome(out));
  }

  /**
   * Jobs with no running or ended record: still queued (their BullMQ job exists: one pipelined
   * EXISTS for all of them, not a getJobState() each, which in a burst of thousands of queued jobs
   * cost more Redis time than the jobs themselves), or unknown to Redis (then they fail).
   */
  async #checkQueued(connection: ClientConnection, unseen: { job: RemoteJob; bj: string }[]): Promise<void> {
    if (unseen.length === 0) return;
    const { cmd, queue } = connection;
    const exists = (await cmd.pipeline(unseen.map(({ bj }) => ['exists', queue.toKey(bj)])).exec()) ?? [];
    for (const [i, { job, bj }] of unseen.entries()) {
      const [error, found] = exists[i] ?? [];
      if (error) continue;
      if (found !== 0) job.known = true;
      else await this.#checkGone(connection, job, bj);
    }
  }

  /** A job whose BullMQ job is not there (any more): its state read as before, then its record. */
  async #checkGone(connection: ClientConnection, job: RemoteJob, bj: string): Promise<void> {
    const state = await connection.queue.getJobState(bj);
    if (state !== 'unknown') {
      job.known = true;
      return;
    }
    // It may have begun and ended in between: read its record again before calling it unknown.
    const [st, out] = await connection.cmd.hmgetBuffer(this.#context.keys.record(job.id), 'st', 'out');
    if (st?.toString() === 'ended' && out) this.#context.finish(job, decodeOutcome(out));
    else if (st === null || st === undefined)
      this.#context.finish(job, { status: 'failed', error: unknownJob(job.id, this.#context.queue) });
  }
}
