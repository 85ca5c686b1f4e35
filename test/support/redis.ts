// A real redis-server for the distributed tests: started on a free port in a temporary directory, stopped at the end (also when a test fails).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The one line printed (as the skip reason) where the distributed tests cannot run. */
export const HOW_TO_RUN =
  'distributed tests skipped: redis-server not found; install it (apt-get install redis-server) or set REDIS_URL=redis://host:port to run them';

/** Where redis-server lives, or undefined. `REDIS_SERVER` overrides the lookup. */
function serverBinary(): string | undefined {
  const name = process.env.REDIS_SERVER || 'redis-server';
  const found = spawnSync(name, ['--version'], { stdio: 'ignore' });
  return found.error || found.status !== 0 ? undefined : name;
}

let binary: string | undefined | null = null;

/**
 * Whether the distributed tests can run here: `REDIS_URL` is set or redis-server is installed.
 * Under `CI=true` a missing Redis is not a skip: the tests run and fail, since CI requires them.
 */
export function redisAvailable(): boolean {
  if (process.env.REDIS_URL) return true;
  if (binary === null) binary = serverBinary();
  return binary !== undefined;
}

/**
 * Options for `describe(name, redisSuite(), ...)` / `test(name, redisSuite(), ...)`: skipped with
 * one line saying how to run them when there is no Redis (and CI is not 'true'), run otherwise.
 */
export function redisSuite(extra: { timeout?: number; concurrency?: number | boolean } = {}): {
  skip: string | false;
  timeout?: number;
  concurrency?: number | boolean;
} {
  const skip = !redisAvailable() && process.env.CI !== 'true' ? HOW_TO_RUN : false;
  return { ...extra, skip };
}

export interface RedisOptions {
  /** Append-only persistence (`--appendonly yes --appendfsync always`), for restart tests. Default false. */
  appendonly?: boolean;
  /** How long start() waits for "Ready to accept connections". Default 10 000 ms. */
  readyTimeoutMs?: number;
}

export interface RedisHandle {
  /** `redis://127.0.0.1:<port>` (or `REDIS_URL` when an existing server is used). */
  readonly url: string;
  readonly port: number;
  /** The server's working directory (its AOF lives there); undefined for `REDIS_URL`. */
  readonly dir: string | undefined;
  /** Whether this handle started the server (false with `REDIS_URL`: stop/start/restart are refused). */
  readonly owned: boolean;
  /** The server process's pid while it runs. */
  readonly pid: number | undefined;
  /** Stops the server: SIGTERM (Redis writes its AOF and exits), or SIGKILL with `{ kill: true }`. Idempotent. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port and directory (after stop()). */
  start(): Promise<void>;
  /** stop() then start(): the same server, same port and directory, its data kept where appendonly is on. */
  restart(options?: { kill?: boolean }): Promise<void>;
  /** Stops the server and removes its directory. Idempotent. */
  dispose(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel's pick; released before redis binds it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts a redis-server for this test file (or attaches to `REDIS_URL`). Call it in `before()`
 * and `dispose()` the handle in `after()`; a server left running when the process exits is killed.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisHandle> {
  if (process.env.REDIS_URL) {
    const url = process.env.REDIS_URL;
    const refuse = async (): Promise<void> => {
      throw new Error('this test needs its own redis-server (stop/start/restart); unset REDIS_URL to run it');
    };
    return {
      url,
      port: Number(new URL(url).port || 6379),
      dir: undefined,
      owned: false,
      pid: undefined,
      stop: refuse,
      start: refuse,
      restart: refuse,
      dispose: async () => {},
    };
  }
  if (!redisAvailable()) throw new Error(HOW_TO_RUN.replace('distributed tests skipped: ', 'CI=true: '));
  const dir = mkdtempSync(join(tmpdir(), 'threadkit-redis-'));
  const port = await freePort();
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendonly ? 'yes' : 'no',
    ...(options.appendonly ? ['--appendfsync', 'always'] : []),
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--loglevel',
    'notice',
  ];
  let child: ChildProcess | undefined;
  let disposed = false;

  const start = async (): Promise<void> => {
    if (child) return;
    const proc = spawn(binary!, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    child = proc;
    live.add(proc);
    proc.once('exit', () => {
      live.delete(proc);
      if (child === proc) child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => fail(new Error(`redis-server not ready after ${readyTimeoutMs} ms:\n${log}`)), readyTimeoutMs);
      const onData = (chunk: Buffer): void => {
        log += chunk.toString();
        if (log.includes('Ready to accept connections')) done();
      };
      const onExit = (code: number | null): void => fail(new Error(`redis-server exited (${code}) before ready:\n${log}`));
      const cleanup = (): void => {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.off('exit', onExit);
        proc.stdout.resume();
        proc.stderr.resume();
      };
      const done = (): void => {
        cleanup();
        resolve();
      };
      const fail = (error: Error): void => {
        cleanup();
        proc.kill('SIGKILL');
        reject(error);
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
      proc.once('exit', onExit);
    });
  };

  const stop = async ({ kill = false } = {}): Promise<void> => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(kill ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    owned: true,
    get pid() {
      return child?.pid;
    },
    stop,
    start: async () => {
      if (disposed) throw new Error('this redis handle was disposed');
      await start();
    },
    restart: async (restartOptions) => {
      await stop(restartOptions);
      await start();
    },
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await stop({ kill: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A queue name unique to this process and call, so tests sharing one Redis (REDIS_URL) never meet. */
export function uniqueQueue(prefix = 'tk-test'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
