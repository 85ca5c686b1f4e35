// Cancel across processes: a queued job is removed; a running one, cancelled from another process by id, wakes from sleepSync and its worker is kept; stop() and a run() deadline replace the worker.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CancelledError, TaskError, TerminatedError } from '../../src/index.js';
import { DistributedExecutor } from '../../src/distributed/index.js';
import { sleepUntilCancelled, spin, whereAmI } from '../fixtures/distributed/tasks.js';
import { Redis } from 'ioredis';
import { queueKeys } from '../../src/distributed/keys.js';
import { encodeMessage } from '../../src/distributed/codec.js';
import { redisSuite, startRedis, uniqueQueue, type RedisHandle } from '../support/redis.js';
import { begun, killAll, startHost, type HostProcess } from '../support/hosts.js';

const CANCELLER = fileURLToPath(new URL('../fixtures/distributed/canceller.ts', import.meta.url));
const run = promisify(execFile);

/** Cancels (or stops) job `id` from another process; resolves with what that process saw. */
async function cancelFromAfar(queue: string, url: string, id: string, graceMs?: number): Promise<{ status: string; reason: unknown }> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', CANCELLER, queue, url, id, graceMs === undefined ? '' : String(graceMs)],
    {
      timeout: 20_000,
    },
  );
  return JSON.parse(stdout) as { status: string; reason: unknown };
}

describe('DistributedExecutor - cancel, stop and deadlines across processes', redisSuite({ timeout: 60_000 }), () => {
  let redis: RedisHandle;
  const hosts: HostProcess[] = [];
  const threadsQueue = uniqueQueue('cancel-threads');
  const processesQueue = uniqueQueue('cancel-processes');
  const idleQueue = uniqueQueue('cancel-nohost');
  let threads: DistributedExecutor;
  let processes: DistributedExecutor;

  before(async () => {
    redis = await startRedis();
    hosts.push(
      ...(await Promise.all([
        startHost({ queue: threadsQueue, url: redis.url, via: 'program', workers: 1 }),
        startHost({ queue: processesQueue, url: redis.url, via: 'program', processes: true, workers: 1 }),
      ])),
    );
    threads = new DistributedExecutor({ queue: threadsQueue, connection: redis.url, graceMs: 200 });
    processes = new DistributedExecutor({ queue: processesQueue, connection: redis.url, graceMs: 200 });
  });

  after(async () => {
    await Promise.all([threads?.shutdown(), processes?.shutdown()]);
    if (process.env.TK_DEBUG) for (const host of hosts) console.log(host.output());
    await killAll(hosts);
    await redis?.dispose();
  });

  test('.cancel() - a queued job is removed and never runs; the future ends cancelled with the reason (not synchronously)', async () => {
    const ex = new DistributedExecutor({ queue: idleQueue, connection: redis.url });
    const f = ex.submit(whereAmI);
    await ex.queueCounts(); // connected; the add is on its way
    while ((await ex.queueCounts()).waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    f.cancel('not needed');
    assert.equal(f.done(), false, 'a remote cancel is not synchronous');
    await assert.rejects(f.result(), (error: unknown) => error instanceof CancelledError && /not needed/.test(error.message));
    assert.equal(f.outcome?.status, 'cancelled');
    assert.equal((await ex.queueCounts()).waiting, 0);
    await ex.shutdown();
  });

  test('a cancel that reaches Redis while the job is on its way to a host is never lost: the target never begins', async () => {
    // The window between a host taking the job and its target beginning is too short to hit on
    // purpose: the cancel record is written as tkCancel writes it, with the job still waiting (as
    // when BullMQ had already handed it to a host), and a host then takes it.
    const queue = uniqueQueue('cancel-inflight');
    const ex = new DistributedExecutor({ queue, connection: redis.url });
    const f = ex.submit(whereAmI);
    while ((await ex.queueCounts()).waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const client = new Redis(redis.url);
    await client.set(queueKeys(queue).cancel(f.id), encodeMessage({ id: f.id, reason: 'on its way', graceMs: undefined }));
    client.disconnect();
    const host = await startHost({ queue, url: redis.url, via: 'cli', workers: 1 });
    hosts.push(host);
    await assert.rejects(f.result(), (error: unknown) => error instanceof CancelledError && /on its way/.test(error.message));
    assert.equal(f.outcome?.status, 'cancelled');
    await ex.shutdown();
  });

  for (const [label, which] of [
    ['thread-pool', () => ({ ex: threads, queue: threadsQueue })],
    ['process-pool', () => ({ ex: processes, queue: processesQueue })],
  ] as const) {
    test(`future(id).cancel() from another process wakes a running job from sleepSync on a ${label} host; the worker is kept`, async () => {
      const { ex, queue } = which();
      const before = await ex.submit(whereAmI);
      const f = ex.submit(sleepUntilCancelled, 30_000);
      await begun(f);
      const seen = await cancelFromAfar(queue, redis.url, f.id);
      const result = await f;
      assert.equal(result.cancelled, true);
      assert.ok(result.ms < 10_000, `woke after ${result.ms} ms`);
      assert.equal(seen.status, f.outcome!.status, "the attached future ends as the submitter's");
      const afterwards = await ex.submit(whereAmI);
      assert.deepEqual(afterwards, before, 'the same worker ran the next job');
    });
  }

  test('.stop({ graceMs }) - a job that never checks is terminated; its host replaces the worker and goes on', async () => {
    const f = threads.submit(spin);
    await begun(f);
    const outcome = await f.stop({ graceMs: 100 });
    assert.equal(outcome.status, 'terminated');
    await assert.rejects(f.result(), TerminatedError);
    assert.equal(typeof (await threads.submit(whereAmI)).pid, 'number');
  });

  test('.run({ signal }) - a deadline stops a job in for (;;) {} on a process-pool host', async () => {
    const f = processes.run(spin, [], { signal: AbortSignal.timeout(300) });
    await assert.rejects(f.result(), TerminatedError);
    assert.equal(typeof (await processes.submit(whereAmI)).pid, 'number');
  });

  test('future(id).stop() from another process terminates a spinning job', async () => {
    const f = threads.submit(spin);
    await begun(f);
    const seen = await cancelFromAfar(threadsQueue, redis.url, f.id, 50);
    assert.equal(seen.status, 'terminated');
    assert.equal((await f.stop()).status, 'terminated');
  });

  test('executor.stop({ graceMs }) - stops every pending job of this client: queued ones end cancelled, running ones terminated', async () => {
    const ex = new DistributedExecutor({ queue: threadsQueue, connection: redis.url });
    const running = ex.submit(spin);
    await begun(running);
    const queued = ex.submit(whereAmI);
    await ex.stop({ graceMs: 50 });
    assert.equal(running.outcome?.status, 'terminated');
    assert.equal(queued.outcome?.status, 'cancelled');
    assert.equal(typeof (await threads.submit(whereAmI)).pid, 'number', 'the host goes on');
  });

  test('future(id) - an id Redis does not know ends failed with a TaskError naming it; the same Future while pending', async () => {
    const f = threads.future('no-such-job');
    assert.equal(threads.future('no-such-job'), f);
    await assert.rejects(f.result(), (error: unknown) => error instanceof TaskError && /no-such-job/.test(error.message));
  });

  test('future(id) of an ended job resolves with its value', async () => {
    const done = threads.submit(whereAmI);
    const value = await done;
    const other = new DistributedExecutor({ queue: threadsQueue, connection: redis.url });
    assert.deepEqual(await other.future(done.id), value);
    await other.shutdown();
  });
});
