// One pool worker as the pool sees it: its state machine, its current task, what it knew when it died.

import type { ThreadInfo } from '../wire/protocol.js';
import { clearLongTimeout, type LongTimer } from '../base/timers.js';
import type { PoolTransport } from '../backend/transport.js';
import type { PoolServer } from '../serve/pool-serve.js';
import { Owner } from '../backend/owner.js';
import { move, type Transitions } from '../base/state-machine.js';
import type { WorkerExitReason, WorkerRef } from '../observe/channels.js';

/**
 * The states of a worker, with their legal transitions:
 *
 * ```
 * starting -> idle      it said `serving` (its initializer, if any, succeeded)
 * starting -> retiring  the pool no longer needs it (shutdown, stop) and terminates it
 * starting -> gone      it died first, or its initializer failed (the pool is then broken)
 * idle     -> busy      the pool gave it a task
 * idle     -> retiring  idle timeout, maxTasksPerWorker reached, shutdown: the pool terminates it
 * idle     -> gone      it died while idle (replaced silently when work needs it)
 * (busy stays busy when its task's ending arrives and its next task, posted ahead, takes over)
 * busy     -> idle      its task's ending arrived, no next task
 * busy     -> retiring  its task's ending says it leaves (the task left a handle open), or
 *                       maxTasksPerWorker was reached
 * busy     -> gone      it crashed or was terminated under the task (the task fails or ends terminated)
 * retiring -> gone      it exited
 * ```
 *
 * `gone` is final. A slot never runs two tasks at once.
 */
export type SlotState = 'starting' | 'idle' | 'busy' | 'retiring' | 'gone';

const LEGAL: Transitions<SlotState> = {
  starting: ['idle', 'retiring', 'gone'],
  idle: ['busy', 'retiring', 'gone'],
  busy: ['idle', 'retiring', 'gone'],
  retiring: ['gone'],
  gone: [],
};

/** A worker of a pool whose tasks are `J`s (task-state.ts's Task; generic so that the two files do not import each other). */
export class WorkerSlot<J extends { readonly id: number }> {
  readonly name: string;
  #state: SlotState = 'starting';
  /** Set once started (the transport calls back before `start` returns only asynchronously). */
  transport!: PoolTransport;
  /** The task it runs (busy), or the one it ran when it is retiring after it. */
  task: J | undefined;
  /** A thread worker's next tasks, in order, posted while `task` runs so that they begin without a round trip. */
  readonly ahead: J[] = [];
  /** Free cells of its handover (threads; cancel-flag.ts): a task takes one when given, frees it when it leaves. */
  readonly cells: number[] = [];
  /** Tasks given since the last post, sent together (transport.post). */
  readonly outbox: J[] = [];
  /** Tasks it has ended. */
  tasks = 0;
  /** The pool ended it on purpose (terminate): its task ends 'terminated', not crashed. */
  terminating = false;
  /** Its output, the code its task gave to process.exit(), the child processes its tasks started (killed when it dies). */
  readonly owner = new Owner((id) => this.task?.id === id);
  idleTimer: LongTimer | undefined;
  /** A process-pool worker's server of its tasks' shared objects. */
  server: PoolServer | undefined;
  /** Who it is, for the channels and the timeline (set at its start). */
  ref!: WorkerRef;
  /** Why it is leaving, once the pool knows (the `worker:exit` reason); undefined: it crashed, or the pool shuts down. */
  leaving: WorkerExitReason | undefined;
  /** Tasks whose target began that it ended in this metrics window (metrics.ts). */
  ran = 0;

  constructor(name: string) {
    this.name = name;
  }

  get state(): SlotState {
    return this.#state;
  }

  /** Moves to `to`; throws an internal error for an illegal move (a threadkit bug). */
  move(to: SlotState): void {
    const from = this.#state;
    this.#state = LEGAL[from].includes(to) ? to : move(LEGAL, from, to, `worker (${this.name})`);
  }

  /** What `currentThread()` says inside it, for excepthook reports. */
  get info(): ThreadInfo {
    return { name: this.name, ident: this.transport?.ident ?? -1, daemon: true, isMain: false };
  }

  /** Ends it by force; its exit follows. Idempotent. */
  terminate(): void {
    if (this.terminating) return;
    this.end((transport) => transport.terminate());
  }

  /** Ends it with `force` (also after a terminate() that is still under way: a kill); its exit follows. */
  end(force: (transport: PoolTransport) => void): void {
    this.terminating = true;
    clearLongTimeout(this.idleTimer);
    force(this.transport);
  }
}
