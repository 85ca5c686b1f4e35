// DistributedExecutor submit/run/result: values and errors round-trip through real hosts (CLI threads, WorkerHost processes) and a real Redis.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CancelledError, ThreadPoolExecutor, TaskError, asCompleted, wait } from '../../src/index.js';
import { DistributedExecutor } from '../../src/distributed/index.js';
import { add, echo, fail, returnsFunction, throwTyped, whereAmI } from '../fixtures/distributed/tasks.js';
import { redisSuite, startRedis, uniqueQueue, type RedisHandle } from '../support/redis.js';
import { killAll, startHost, type HostProcess } from '../support/hosts.js';

describe('DistributedExecutor - submit and results', redisSuite({ timeout: 60_000 }), () => {
  let redis: RedisHandle;
  const hosts: HostProcess[] = [];
  const threadsQueue = uniqueQueue('submit-threads');
  const processesQueue = uniqueQueue('submit-processes');
  let threads: DistributedExecutor;
  let processes: DistributedExecutor;

  before(async () => {
    redis = await startRedis();
    const started = await Promise.all([
      startHost({ queue: threadsQueue, url: redis.url, via: 'cli', workers: 2, args: ['--no-source'] }),
      startHost({ queue: processesQueue, url: redis.url, via: 'program', processes: true, workers: 2 }),
    ]);
    hosts.push(...started);
    threads = new DistributedExecutor({ queue: threadsQueue, connection: redis.url });
    processes = new DistributedExecutor({ queue: processesQueue, connection: redis.url });
  });

  after(async () => {
    await Promise.all([threads?.shutdown(), processes?.shutdown()]);
    await killAll(hosts);
    await redis?.dispose();
  });

  test('.submit() - a module task runs on a thread-pool host (CLI) and on a process-pool host (WorkerHost), in other processes', async () => {
    const f = threads.submit(add, 2, 3);
    assert.equal(typeof f.id, 'string');
    assert.equal(await f, 5);
    const where = await threads.submit(whereAmI);
    assert.notEqual(where.pid, process.pid);
    const inChild = await processes.submit(whereAmI);
    assert.notEqual(inChild.pid, process.pid);
    assert.notEqual(inChild.pid, hosts[1]!.pid, 'a process-pool host runs the task in its child process');
    assert.equal(await processes.submit(add, 40, 2), 42);
  });

  test('.submit() - values round-trip with v8 fidelity (Map, Set, Date, BigInt, typed arrays, undefined, -0, cycles)', async () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    const value = {
      map: new Map<unknown, unknown>([[1, 'one']]),
      set: new Set([1, 2]),
      date: new Date(1234),
      big: 10n ** 20n,
      bytes: new Uint8Array([1, 2, 3]),
      nothing: undefined,
      negZero: -0,
      regexp: /a+/gi,
      cyclic,
    };
    for (const ex of [threads, processes]) {
      const back = (await ex.submit(echo, value)) as typeof value;
      assert.deepEqual(back.map, value.map);
      assert.deepEqual(back.set, value.set);
      assert.equal(back.date.getTime(), 1234);
      assert.equal(back.big, value.big);
      assert.deepEqual(back.bytes, value.bytes);
      assert.ok('nothing' in back && back.nothing === undefined);
      assert.ok(Object.is(back.negZero, -0));
      assert.equal(String(back.regexp), '/a+/gi');
      assert.equal(back.cyclic.self, back.cyclic);
    }
  });

  test('.submit() - a plain function travels as source; a { module } reference by path relative to root', async () => {
    assert.equal(await processes.submit((a: number, b: number) => a * b, 6, 7), 42);
    assert.equal(await processes.run({ module: new URL('../fixtures/distributed/tasks.ts', import.meta.url) }, [21]), 42);
    assert.equal(await threads.run({ module: new URL('../fixtures/distributed/tasks.ts', import.meta.url), name: 'add' }, [1, 2]), 3);
  });

  test('a host with --no-source refuses plain functions with a TaskError naming the host; it goes on', async () => {
    await assert.rejects(
      threads.submit((a: number) => a, 1).result(),
      (error: unknown) =>
        error instanceof TaskError && error.message.includes(hosts[0]!.name) && /acceptSource|--no-source/.test(error.message),
    );
    assert.equal(await threads.submit(add, 1, 1), 2);
  });

  test('module paths are relative to the client root, resolved against the host root: a module the host cannot find fails that job only', async () => {
    const elsewhere = new DistributedExecutor({
      queue: threadsQueue,
      connection: redis.url,
      root: new URL('../', import.meta.url).pathname,
    });
    await assert.rejects(
      elsewhere.submit(add, 1, 2).result(),
      (error: unknown) =>
        error instanceof TaskError && error.message.includes(hosts[0]!.name) && error.message.includes('fixtures/distributed/tasks.ts'),
    );
    await elsewhere.shutdown();
    assert.equal(await threads.submit(add, 2, 2), 4);
  });

  test('.map() - results in input order, chunked; asCompleted() and wait() take its futures', async () => {
    const results: number[] = [];
    for await (const value of processes.map(echo, [1, 2, 3, 4, 5], { chunkSize: 2 })) results.push(value as number);
    assert.deepEqual(results, [1, 2, 3, 4, 5]);
    const futures = [threads.submit(add, 1, 1), threads.submit(add, 2, 2)];
    const seen = [];
    for await (const future of asCompleted(futures)) seen.push(future);
    assert.equal(new Set(seen).size, 2);
    const { done, notDone } = await wait([threads.submit(add, 3, 3)]);
    assert.equal(done.size, 1);
    assert.equal(notDone.size, 0);
  });

  test('errors come back with their class, name, code, cause and the host stack', async () => {
    for (const ex of [threads, processes]) {
      const error = await ex.submit(fail, 'boom').then(
        () => assert.fail('should fail'),
        (thrown: unknown) => thrown as Error & { code: string; cause: Error },
      );
      assert.equal(error.name, 'CustomError');
      assert.equal(error.message, 'boom');
      assert.equal(error.code, 'E_CUSTOM');
      assert.ok(error.cause instanceof RangeError);
      assert.match(String(error.stack), /tasks\.ts/);
      const typed = await ex.submit(throwTyped).then(
        () => assert.fail('should fail'),
        (thrown: unknown) => thrown as TypeError & { code: string },
      );
      assert.ok(typed instanceof TypeError);
      assert.equal(typed.code, 'E_TYPED');
    }
  });

  test('.submit() - refuses what cannot cross machines, naming the argument, and queues nothing', async () => {
    assert.throws(
      () => threads.submit(echo, { f: () => 1 }),
      (error: unknown) => error instanceof TaskError && /args\[0\]/.test(error.message),
    );
    assert.throws(
      () => threads.submit(echo, { buffer: new SharedArrayBuffer(8) }),
      (error: unknown) => error instanceof TaskError && /args\[0\]\.buffer/.test(error.message) && /cross machines/.test(error.message),
    );
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    assert.throws(
      () => threads.submit(echo, [pool]),
      (error: unknown) => error instanceof TaskError && /args\[0\]\[0\]/.test(error.message),
    );
    await pool.shutdown();
    const submit = threads.submit.bind(threads) as (target: unknown, ...args: unknown[]) => unknown;
    assert.throws(() => submit(Math.max, 1), TaskError);
    assert.throws(() => submit(42), TypeError);
    await assert.rejects(
      threads.submit(returnsFunction).result(),
      (error: unknown) => error instanceof TaskError && /return value/.test(error.message),
    );
  });

  test('.run() - an already aborted signal ends the future cancelled and queues nothing', async () => {
    const f = threads.run(add, [1, 2], { signal: AbortSignal.abort('too late') });
    assert.equal(f.done(), true);
    await assert.rejects(f.result(), CancelledError);
  });

  test('.stats and .queueCounts()', async () => {
    await threads.submit(add, 1, 1);
    const stats = threads.stats;
    assert.equal(stats.queued, 0);
    assert.equal(stats.running, 0);
    assert.ok(stats.completed >= 1);
    const counts = await threads.queueCounts();
    assert.equal(typeof counts.waiting, 'number');
  });
});
