// Failures of API.md section 8.5 with real hosts (separate processes, killed with SIGKILL) and a real
// redis-server: a host's death fails its running job with ThreadCrashedError naming it (at most once)
// and its queued jobs run elsewhere; `attempts: 2` starts the job again; an unreachable Redis is a
// ConnectionError within connectTimeoutMs, never a hang, and the job is never queued later; a Redis
// restart with append-only persistence leaves no future pending. Bounds are generous (a loaded 2-core
// machine); the bench measures the real figures.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Queue } from 'bullmq';
import { ThreadCrashedError } from 'threadkit';
import { ConnectionError, DistributedExecutor } from 'threadkit/distributed';
import { blocker, slowEcho, startLog, whereAmI } from '../fixtures/distributed-tasks.ts';
import { killLeftoverChildren, runFixture, type Program } from '../support/child.ts';
import { redisSuite, startRedis, uniqueQueue, type RedisHandle } from '../support/redis.ts';
import { timed } from '../support/timed.ts';

const HOST_TIMEOUT_MS = 1000;
const CHECK_INTERVAL_MS = 200;
const CONNECT_TIMEOUT_MS = 1000;
/** Added to every documented bound: scheduling on a loaded machine, not a time budget. */
const SLACK_MS = 3000;
const T = { timeout: 60_000 };

interface Host {
  readonly program: Program;
  readonly name: string;
  readonly pid: number;
}

/** A WorkerHost in its own process (test/fixtures/distributed-host.ts), once it takes jobs. */
async function startHost(url: string, queue: string, name: string, workers = 1): Promise<Host> {
  const program = runFixture('distributed-host.ts', [url, queue, name, String(workers), String(HOST_TIMEOUT_MS)]);
  await program.waitForLine(`ready ${program.child.pid}`, 30_000);
  return { program, name, pid: program.child.pid! };
}

/** SIGKILL, and the exit. */
async function kill(host: Host): Promise<void> {
  if (host.program.child.exitCode === null && host.program.child.signalCode === null) host.program.child.kill('SIGKILL');
  await host.program.exited();
}

/** The first of `hosts` whose stdout has the line `line` (a task prints `began <tag>` as it begins). */
function firstToPrint(hosts: readonly Host[], line: string, timeoutMs = 30_000): Promise<Host> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const found = hosts.find((h) => h.program.lines().includes(line));
      if (!found) return;
      done();
      resolve(found);
    };
    const timer = setTimeout(() => {
      done();
      const output = hosts.map((h) => `${h.name}: ${h.program.stdout}${h.program.stderr}`).join('\n');
      reject(new Error(`no host printed ${JSON.stringify(line)} within ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      for (const h of hosts) h.program.child.stdout?.off('data', check);
    };
    // Program's own listener, registered first, has appended the chunk to `stdout` when this one runs.
    for (const h of hosts) h.program.child.stdout?.on('data', check);
    check();
  });
}

/** The error a future rejects with, or undefined when it resolves. */
const failure = (f: PromiseLike<unknown>): Promise<unknown> =>
  Promise.resolve(f).then(
    () => undefined,
    (error: unknown) => error,
  );

describe('distributed failures', redisSuite({ timeout: 180_000, concurrency: false }), () => {
  let redis: RedisHandle;
  let dir: string;
  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'threadkit-dist-'));
  });
  after(async () => {
    killLeftoverChildren();
    await redis?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(
    "a host SIGKILLed mid-task fails its running future with ThreadCrashedError naming it; the jobs it had not begun run on the other host; the dead host's job never runs again",
    T,
    async () => {
      const queue = uniqueQueue();
      const ex = new DistributedExecutor({ queue, connection: redis.url, checkIntervalMs: CHECK_INTERVAL_MS });
      const hosts = await Promise.all([startHost(redis.url, queue, 'host-a'), startHost(redis.url, queue, 'host-b')]);
      try {
        const first = ex.submit(blocker, 'first');
        const victim = await firstToPrint(hosts, 'began first');
        const survivor = hosts.find((h) => h !== victim)!;
        const second = ex.submit(blocker, 'second');
        await firstToPrint([survivor], 'began second');
        // Both hosts' single workers are busy: these wait in Redis, begun by no host.
        const queued = [ex.submit(whereAmI, 'q1'), ex.submit(whereAmI, 'q2')];
        for (let i = 0; ((await ex.queueCounts()).waiting ?? 0) < 2; i++) {
          assert.ok(i < 500, 'the two jobs were never seen waiting in Redis');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }

        victim.program.child.kill('SIGKILL');
        const { ms, value: error } = await timed(() => failure(first));
        assert.ok(error instanceof ThreadCrashedError, `expected ThreadCrashedError, got ${String(error)}`);
        assert.match(error.message, new RegExp(victim.name));
        assert.ok(ms < HOST_TIMEOUT_MS + CHECK_INTERVAL_MS + SLACK_MS, `the future failed ${ms.toFixed(0)} ms after the kill`);
        assert.equal(first.done(), true);

        second.cancel('test over');
        await failure(second);
        assert.deepEqual(await Promise.all(queued), [survivor.pid, survivor.pid]);
        assert.equal(survivor.program.lines().includes('began first'), false, "the dead host's job ran again (at most once by default)");
        assert.equal(victim.program.lines().filter((l) => l.startsWith('began q')).length, 0);
      } finally {
        await Promise.all(hosts.map(kill));
        await ex.shutdown();
      }
    },
  );

  test(
    'attempts: 2 starts the job of a SIGKILLed host again on the other host, and its future resolves from the second start',
    T,
    async () => {
      const queue = uniqueQueue();
      const ex = new DistributedExecutor({ queue, connection: redis.url, checkIntervalMs: CHECK_INTERVAL_MS });
      const hosts = await Promise.all([startHost(redis.url, queue, 'host-c'), startHost(redis.url, queue, 'host-d')]);
      try {
        const log = join(dir, `starts-${queue}`);
        const f = ex.run(startLog, ['retried', log], { attempts: 2 });
        const victim = await firstToPrint(hosts, 'began retried 1');
        const survivor = hosts.find((h) => h !== victim)!;
        victim.program.child.kill('SIGKILL');
        await firstToPrint([survivor], 'began retried 2', HOST_TIMEOUT_MS + CHECK_INTERVAL_MS + SLACK_MS + 10_000);
        assert.deepEqual(await f, [victim.pid, survivor.pid]);
      } finally {
        await Promise.all(hosts.map(kill));
        await ex.shutdown();
      }
    },
  );

  test(
    'a submit while Redis is down fails with ConnectionError naming the address within connectTimeoutMs, and is not queued once Redis is back',
    T,
    async (t) => {
      const own = await startRedis();
      if (!own.owned) return t.skip('needs its own redis-server (REDIS_URL is set)');
      const queue = uniqueQueue();
      const ex = new DistributedExecutor({ queue, connection: own.url, connectTimeoutMs: CONNECT_TIMEOUT_MS });
      const raw = new Queue(queue, { connection: { host: '127.0.0.1', port: own.port, maxRetriesPerRequest: null } });
      try {
        await own.stop();
        const lost = ex.submit(whereAmI, 'lost');
        const { ms, value: error } = await timed(() => failure(lost));
        assert.ok(error instanceof ConnectionError, `expected ConnectionError, got ${String(error)}`);
        assert.equal(error.code, 'ERR_CONNECTION');
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${own.port}`));
        assert.ok(ms < CONNECT_TIMEOUT_MS + SLACK_MS, `the future failed after ${ms.toFixed(0)} ms`);

        await own.start();
        // A job submitted after Redis is back, on the same client: once it is in Redis, anything the
        // client had held back for the lost job would have been sent before it.
        const later = ex.submit(whereAmI, 'later');
        for (let i = 0; (await raw.getJob(later.id)) === undefined; i++) {
          assert.ok(i < 500, 'the job submitted after Redis came back was never queued');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(await raw.getJob(lost.id), undefined, 'the job whose submit failed was queued later');
        assert.equal((await ex.queueCounts()).waiting, 1);
        later.cancel('test over');
        assert.equal(await failure(later).then((e) => (e as Error).name), 'CancelledError');
      } finally {
        await ex.shutdown();
        await raw.close();
        await own.dispose();
      }
    },
  );

  test(
    'a Redis that accepts connections and never answers: ConnectionError within connectTimeoutMs, and shutdown() does not hang',
    T,
    async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('data', () => {});
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      const ex = new DistributedExecutor({
        queue: uniqueQueue(),
        connection: `redis://127.0.0.1:${port}`,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      });
      try {
        const { ms, value: error } = await timed(() => failure(ex.submit(whereAmI, 'silent')));
        assert.ok(error instanceof ConnectionError, `expected ConnectionError, got ${String(error)}`);
        assert.equal(error.code, 'ERR_CONNECTION');
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.ok(ms < CONNECT_TIMEOUT_MS + SLACK_MS, `the future failed after ${ms.toFixed(0)} ms`);
      } finally {
        const { ms } = await timed(() => ex.shutdown());
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => silent.close(resolve));
        assert.ok(ms < CONNECT_TIMEOUT_MS + SLACK_MS, `shutdown() took ${ms.toFixed(0)} ms`);
      }
    },
  );

  test(
    'Redis restarted (append-only persistence) while futures are pending: every job completes or fails, none is left pending',
    T,
    async (t) => {
      const own = await startRedis({ appendonly: true });
      if (!own.owned) return t.skip('needs its own redis-server (REDIS_URL is set)');
      const queue = uniqueQueue();
      const ex = new DistributedExecutor({ queue, connection: own.url, checkIntervalMs: CHECK_INTERVAL_MS });
      const host = await startHost(own.url, queue, 'host-e', 2);
      try {
        const futures = Array.from({ length: 6 }, (_, i) => ex.submit(slowEcho, i, 500));
        await firstToPrint([host], 'began echo-0');
        await own.restart();
        let timer: NodeJS.Timeout | undefined;
        const outcomes = await Promise.race([
          Promise.allSettled(futures),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`still pending 30 s after the restart: ${futures.map((f, i) => `${i} ${f.state}`).join(', ')}`)),
              30_000,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        assert.equal(outcomes.length, 6);
        outcomes.forEach((o, i) => {
          assert.equal(futures[i]!.done(), true);
          if (o.status === 'fulfilled') assert.equal(o.value, i);
        });
        const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason));
        t.diagnostic(`${6 - failed.length} completed, ${failed.length} failed${failed.length > 0 ? `: ${failed.join('; ')}` : ''}`);
      } finally {
        await kill(host);
        await ex.shutdown();
        await own.dispose();
      }
    },
  );
});
