// Exit semantics and shutdown: an idle client exits by itself, also after a ConnectionError; shutdown() waits and refuses new work; the CLI's SIGTERM (graceful) and second SIGTERM (stop).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExecutorShutDownError, TerminatedError, ThreadPoolExecutor } from '../../src/index.js';
import { ConnectionError, DistributedExecutor, WorkerHost } from '../../src/distributed/index.js';
import { add, sleepUntilCancelled, spin } from '../fixtures/distributed/tasks.js';
import { redisSuite, startRedis, uniqueQueue, type RedisHandle } from '../support/redis.js';
import { begun, killAll, startHost, type HostProcess } from '../support/hosts.js';

const CLIENT = fileURLToPath(new URL('../fixtures/distributed/client-exit.ts', import.meta.url));
const run = promisify(execFile);

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('DistributedExecutor and threadkit-worker - exit semantics, shutdown, signals', redisSuite({ timeout: 60_000 }), () => {
  let redis: RedisHandle;
  const hosts: HostProcess[] = [];
  const queue = uniqueQueue('lifecycle');

  before(async () => {
    redis = await startRedis();
    hosts.push(await startHost({ queue, url: redis.url, via: 'cli', workers: 1 }));
  });

  after(async () => {
    await killAll(hosts);
    await redis?.dispose();
  });

  test('an idle client does not hold the program open: a program that never calls shutdown() exits after its last result', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CLIENT, queue, redis.url], { timeout: 20_000 });
    assert.equal(stdout.trim(), '5');
  });

  test('Redis unreachable: the future fails with ConnectionError naming the address within connectTimeoutMs, and the program exits', async () => {
    const port = await closedPort();
    const started = Date.now();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CLIENT, queue, `redis://127.0.0.1:${port}`, '300'], {
      timeout: 20_000,
    });
    assert.match(stdout, new RegExp(`^ConnectionError ERR_CONNECTION .*127\\.0\\.0\\.1:${port}`));
    assert.ok(Date.now() - started < 15_000);
    const ex = new DistributedExecutor({ queue, connection: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200 });
    const before = Date.now();
    await assert.rejects(
      ex.submit(add, 1, 2).result(),
      (error: unknown) => error instanceof ConnectionError && error.code === 'ERR_CONNECTION',
    );
    const took = Date.now() - before;
    assert.ok(took >= 150 && took < 5_000, `failed after ${took} ms`);
    await ex.shutdown();
  });

  test('WorkerHost and DistributedExecutor in one process: after shutdown() no connection or timer of theirs is left', async () => {
    const resources = (): string[] => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPWRAP' || kind === 'Timeout');
    const baseline = resources().length;
    const own = uniqueQueue('lifecycle-inproc');
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    const host = new WorkerHost({ queue: own, connection: redis.url, executor, hostTimeoutMs: 1000 });
    await host.start();
    assert.equal(await host.start().then(() => 'again'), 'again');
    const ex = new DistributedExecutor({ queue: own, connection: redis.url });
    assert.equal(await ex.submit(add, 20, 22), 42);
    await ex.shutdown();
    await host.shutdown();
    assert.equal(executor.stats.workers, 0);
    // Sockets close on the next turns of the loop.
    for (let turn = 0; turn < 100 && resources().length > baseline; turn += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(
      resources().length <= baseline,
      `left: ${process.getActiveResourcesInfo().join(', ')} (before: ${baseline} sockets and timers)`,
    );
  });

  test('.shutdown() - waits for the pending futures, then refuses new work; idempotent', async () => {
    const ex = new DistributedExecutor({ queue, connection: redis.url });
    const f = ex.submit(sleepUntilCancelled, 300);
    const done = ex.shutdown();
    assert.equal(ex.shutdown(), done);
    assert.throws(() => ex.submit(add, 1, 1), ExecutorShutDownError);
    await done;
    assert.equal(f.done(), true);
    assert.equal((await f).cancelled, false);
  });

  test('threadkit-worker - SIGTERM lets the running job end, then exits 0; a second SIGTERM stops the job', async () => {
    const ex = new DistributedExecutor({ queue, connection: redis.url });
    const gentle = await startHost({ queue, url: redis.url, via: 'cli', workers: 1 });
    hosts.push(gentle);
    // Only `gentle` takes jobs now.
    hosts[0]!.term();
    assert.equal(await hosts[0]!.exited, 0);
    const f = ex.submit(sleepUntilCancelled, 700);
    await begun(f);
    gentle.term();
    assert.equal((await f).cancelled, false, 'the running job ended by itself');
    assert.equal(await gentle.exited, 0);

    const rough = await startHost({ queue, url: redis.url, via: 'cli', workers: 1 });
    hosts.push(rough);
    const g = ex.submit(spin);
    await begun(g);
    rough.term();
    await new Promise((resolve) => setTimeout(resolve, 100));
    rough.term();
    await assert.rejects(g.result(), TerminatedError);
    assert.equal(await rough.exited, 0);
    await ex.shutdown();
  });
});
