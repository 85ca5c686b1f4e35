// The peer pools behind one small interface: run a named task of workers/peer-tasks.mjs, cancel it the
// way each library offers (piscina/tinypool: AbortSignal; workerpool: promise.cancel()), destroy the pool.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import type { Peer } from './results.ts';

const TASKS = new URL('../workers/peer-tasks.mjs', import.meta.url);
const WORKERPOOL_SCRIPT = fileURLToPath(new URL('../workers/workerpool-worker.mjs', import.meta.url));

/** The exports of workers/peer-tasks.mjs. */
export type PeerTask = 'stampOnly' | 'stampAndSpin' | 'stampAndBlock' | 'mixOne';

/** A task submitted to a pool. `done` settles as the library settles it; `cancel()` is the library's own. */
export interface Running {
  done: Promise<unknown>;
  cancel: () => void;
}

export interface PeerPool {
  run(task: PeerTask, arg: unknown): Running;
  /** Ends the pool and its workers (tasks still running are killed and rejected). */
  destroy(): Promise<void>;
}

/**
 * A pool of exactly `threads` workers, started at once. Workers get `execArgv: []` so that they run
 * without the tsx loader of the benchmark process, as they would in a compiled program.
 */
export function createPool(peer: Peer, threads: number): PeerPool {
  switch (peer) {
    case 'piscina':
    case 'tinypool': {
      const options = { filename: TASKS.href, minThreads: threads, maxThreads: threads, execArgv: [] };
      const pool = peer === 'piscina' ? new Piscina(options) : new Tinypool(options);
      return {
        run(task, arg) {
          const ac = new AbortController();
          return { done: pool.run(arg, { name: task, signal: ac.signal }), cancel: () => ac.abort() };
        },
        destroy: () => pool.destroy(),
      };
    }
    case 'workerpool': {
      const pool = workerpool.pool(WORKERPOOL_SCRIPT, {
        minWorkers: threads,
        maxWorkers: threads,
        workerType: 'thread',
        workerThreadOpts: { execArgv: [] },
      });
      return {
        run(task, arg) {
          const p = pool.exec(task, [arg]);
          return { done: Promise.resolve(p), cancel: () => void p.cancel() };
        },
        destroy: () => Promise.resolve(pool.terminate(true)),
      };
    }
  }
}

/** Swallows the rejection of a task we are about to kill, so that it is not reported as unhandled. */
export function ignore(running: Running): Running {
  running.done.catch(() => {});
  return running;
}
