// One job as a client sees it: its Future (with `id`), its state, and what the client knows to act on it.

import { Future, writer, type FutureControl, type FutureState } from '../executor/future.js';
import type { Outcome } from '../core/settlement.js';
import type { JobData } from './codec.js';

/**
 * A job's state on the client, with its transitions:
 *
 * ```
 * pending    -> running     a host began it (its `running` event, or the record read on a check)
 * pending    -> ended       cancelled while queued, refused (ConnectionError), or its outcome arrived
 * running    -> cancelling  cancel() / stop() / the run() signal, from this client
 * running    -> ended       its outcome arrived, or its host was found dead (at most once)
 * running    -> pending     its host was found dead and it was queued again (`attempts`)
 * cancelling -> ended       its outcome arrived
 * ```
 */
export class RemoteJob {
  readonly id: string;
  readonly future: DistributedFuture<unknown>;
  /** Its job data when this client submitted it (to queue it again under `attempts`); undefined when attached by id. */
  readonly data: JobData | undefined;
  state: FutureState = 'pending';
  /** The host that runs it, once known. */
  host: string | undefined;
  /** The add() has been sent: a cancel must go through Redis (before, it ends here). */
  sent = false;
  /** The add() is confirmed (or, attached, the job was seen in Redis): a job Redis does not know is lost. */
  known = false;
  /** This client asked for its cancel or stop: once it runs, it is `cancelling`. */
  cancelAsked = false;
  /** Its current BullMQ job id (`<id>.<n>` after a restart under `attempts`); undefined: `id`. */
  bullJobId: string | undefined;
  /** How many times this client queued it again after it was lost before it began. */
  requeues: number | undefined;
  /** How many times a host began it, as last read from its record. */
  starts: number | undefined;
  /** Whether this client submitted it (its `stats` count it). */
  readonly own: boolean;

  constructor(id: string, name: string, control: FutureControl<RemoteJob>, data: JobData | undefined) {
    this.id = id;
    this.data = data;
    this.own = data !== undefined;
    this.future = new DistributedFuture(id, name, control, this);
  }

  /** Settles its future once; returns false when it had already ended. */
  end(outcome: Outcome): boolean {
    if (this.state === 'ended') return false;
    this.state = 'ended';
    writer(this.future).settle(outcome, this.host === undefined ? undefined : { name: this.host, ident: 0, daemon: false, isMain: false });
    return true;
  }
}

/** A Future of a distributed job: section 7's Future with `id`, the job id (unique in the queue). */
export class DistributedFuture<R = unknown> extends Future<R> {
  /** The job id: `executor.future(id)` attaches to it from any process. */
  readonly id: string;

  /** @internal Made by DistributedExecutor. */
  constructor(id: string, name: string, control: FutureControl<never>, token: unknown) {
    super(name, control, token);
    this.id = id;
  }
}
