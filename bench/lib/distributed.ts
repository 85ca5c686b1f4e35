// The distributed group's settings (which its targets quote) and the separate processes it runs: a
// raw BullMQ Worker, a threadkit WorkerHost, a second client that cancels by job id. Redis is a real
// redis-server on a free port, started by test/support/redis.ts (the tests' harness).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The client's `graceMs` in the deadline metric. */
export const GRACE_MS = 200;
/** The hosts' `hostTimeoutMs` in the host-kill metric (and the others). */
export const HOST_TIMEOUT_MS = 1000;
/** The client's `checkIntervalMs` in the host-kill metric. */
export const CHECK_INTERVAL_MS = 200;
/** How long a job blocked in `sleepSync()` waits when nothing wakes it (longer than any sample). */
export const FOREVER_MS = 600_000;

const worker = (name: string): string => fileURLToPath(new URL(`../workers/${name}`, import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A child process of the bench that answered `{ ready }`; `close()` asks it to finish, `kill()` does not. */
export interface Peer {
  readonly child: ChildProcess;
  /** Sends a message and resolves with the child's next message. */
  ask(message: unknown): Promise<Record<string, string>>;
  /** Sends 'close' and waits for the child to exit (SIGKILL after `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Forks `script` (in bench/workers/) with `args`, its working directory the repository root (the hosts'
 * `root`, as the client's), and waits for its `{ ready }` message.
 */
export async function spawnPeer(script: string, args: readonly string[], readyTimeoutMs = 30_000): Promise<Peer> {
  const child = fork(worker(script), args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), readyTimeoutMs);
  try {
    const [first] = (await Promise.race([
      once(child, 'message'),
      exited.then(([code]) => {
        throw new Error(`${script} exited (${String(code)}) before it was ready`);
      }),
    ])) as [unknown];
    if (!(first as { ready?: boolean }).ready) throw new Error(`${script} sent ${JSON.stringify(first)} before ready`);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const stopped = async (signal: NodeJS.Signals | 'close', timeoutMs: number): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (signal === 'close') child.send('close');
    else child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(force);
  };
  return {
    child,
    ask: async (message) => {
      const reply = once(child, 'message');
      child.send(message as string);
      return (await reply)[0] as Record<string, string>;
    },
    close: (timeoutMs = 10_000) => stopped('close', timeoutMs),
    kill: () => stopped('SIGKILL', 0),
  };
}

/** A raw BullMQ Worker of `concurrency` in its own process (bench/workers/bullmq-worker.mjs). */
export const rawWorker = (url: string, queue: string, concurrency: number): Promise<Peer> =>
  spawnPeer('bullmq-worker.mjs', [url, queue, String(concurrency)]);

/** A threadkit WorkerHost on a warm ThreadPoolExecutor of `workers` in its own process. */
export const host = (url: string, queue: string, workers: number, name: string): Promise<Peer> =>
  spawnPeer('distributed-host.mjs', [url, queue, String(workers), String(HOST_TIMEOUT_MS), name]);

/** A second DistributedExecutor client in its own process: `ask({ cancel: id })` cancels that job by id. */
export const canceller = (url: string, queue: string): Promise<Peer> => spawnPeer('distributed-canceller.mjs', [url, queue]);
