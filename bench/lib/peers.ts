// The peer pools behind one small interface: run a named task of workers/peer-tasks.mjs, cancel it the
// way each library offers (piscina/tinypool/poolifier: AbortSignal; workerpool: promise.cancel()), destroy
// the pool. And the shared-object peer, multithreading, loaded where the running Node can load it.
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { FixedThreadPool } from 'poolifier';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import type { PoolPeer } from './results.ts';

const TASKS = new URL('../workers/peer-tasks.mjs', import.meta.url);
const WORKERPOOL_SCRIPT = fileURLToPath(new URL('../workers/workerpool-worker.mjs', import.meta.url));
const POOLIFIER_SCRIPT = fileURLToPath(new URL('../workers/poolifier-worker.mjs', import.meta.url));

/** The exports of workers/peer-tasks.mjs. */
export type PeerTask = 'stampOnly' | 'stampAndSpin' | 'stampAndBlock' | 'mixOne' | 'echo';

/**
 * Peers whose cancel cannot end a task that never yields (a CPU-bound loop, a blocked wait): poolifier's
 * abort is a message to the worker, which a busy worker never reads, so the task and its promise go on.
 */
export const CANNOT_CANCEL_RUNNING: readonly PoolPeer[] = ['poolifier'];

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
export function createPool(peer: PoolPeer, threads: number): PeerPool {
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
    case 'poolifier': {
      const pool = new FixedThreadPool(threads, POOLIFIER_SCRIPT, { workerOptions: { execArgv: [] } });
      return {
        run(task, arg) {
          const ac = new AbortController();
          return { done: pool.execute(arg, task, ac.signal), cancel: () => ac.abort() };
        },
        async destroy() {
          // poolifier 5.3.2's destroy() can miss a worker's 'exit' (it listens after the worker may have
          // exited on the kill message) and then never settles; we wait for the exits ourselves, with a
          // timer to keep the event loop alive meanwhile (the pool unrefs its workers while it ends them).
          const workers = pool.workerNodes.map((node) => node.worker);
          const exited = Promise.all(workers.map((w) => (w.threadId === -1 ? Promise.resolve([]) : once(w, 'exit'))));
          const alive = setInterval(() => {}, 1000);
          try {
            await Promise.race([pool.destroy(), exited]);
          } finally {
            clearInterval(alive);
          }
        },
      };
    }
  }
}

/** Swallows the rejection of a task we are about to kill, so that it is not reported as unhandled. */
export function ignore(running: Running): Running {
  running.done.catch(() => {});
  return running;
}

/**
 * The peers that also pool child processes. piscina has threads only; poolifier's FixedClusterPool (cluster
 * workers) is left out: in this harness its worker never answered a task (not investigated further).
 */
export const PROCESS_PEERS = ['tinypool', 'workerpool'] as const satisfies readonly PoolPeer[];
export type ProcessPeer = (typeof PROCESS_PEERS)[number];

/**
 * A pool of exactly `processes` child processes, started at once, as each peer documents it:
 * tinypool `runtime: 'child_process'`, workerpool `workerType: 'process'`. Children get `execArgv: []`,
 * as the thread pools' workers do.
 */
export function createProcessPool(peer: ProcessPeer, processes: number): PeerPool {
  switch (peer) {
    case 'tinypool': {
      const pool = new Tinypool({
        filename: TASKS.href,
        runtime: 'child_process',
        minThreads: processes,
        maxThreads: processes,
        execArgv: [],
      });
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
        minWorkers: processes,
        maxWorkers: processes,
        workerType: 'process',
        forkOpts: { execArgv: [] },
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

export type Multithreading = typeof import('multithreading');

/**
 * The `multithreading` package (the shared-object peer), or why it cannot be measured on this Node.
 * It needs Node 22 or later: its module reads `navigator.hardwareConcurrency` when it loads (the global
 * `navigator` came in Node 21) and its `spawn()` calls `Promise.withResolvers` (Node 22); on Node 20 the
 * import throws `navigator is not defined`. Its rows are then skipped, with the reason in a note.
 */
export async function loadMultithreading(): Promise<{ mt: Multithreading } | { error: string }> {
  const missing = [
    'navigator' in globalThis ? '' : '`navigator` (Node 21)',
    typeof Promise.withResolvers === 'function' ? '' : '`Promise.withResolvers` (Node 22)',
  ].filter(Boolean);
  if (missing.length > 0) return { error: `Node ${process.version} lacks ${missing.join(' and ')}, which it uses` };
  try {
    return { mt: await import('multithreading') };
  } catch (error) {
    return { error: `its module failed to load: ${(error as Error).message}` };
  }
}
