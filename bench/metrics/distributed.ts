// The distributed group (issue 16): threadkit/distributed against raw BullMQ on a real redis-server
// started for the run. Every host and every raw Worker is a separate process.
//   distributed-round-trip      sequential trivial jobs, one worker: Queue.add → Worker → waitUntilFinished (raw)
//                               vs await executor.submit(echo) (threadkit)
//   distributed-throughput      tiny jobs all submitted at once, then all awaited; one raw Worker of
//                               concurrency 2 vs one host with 2 warm workers (each after one untimed burst)
//   distributed-cancel-wake     future(id).cancel() in another client process → the job blocked in
//                               sleepSync on a host runs again (raw BullMQ cannot: worker.cancelJob works
//                               only in the Worker's own process)
//   distributed-deadline-next   run(spin, [], { signal: AbortSignal.timeout }) on a one-worker host, the
//                               signal aborts → the host's next job begins (raw BullMQ cannot stop it)
//   distributed-host-kill       SIGKILL of the host running a job → its future fails
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import { redisAvailable, startRedis, uniqueQueue, type RedisHandle } from '../../test/support/redis.ts';
import { delay, elapsed, now, until } from '../lib/clock.ts';
import { type Context, type Group, pick, type Threadkit } from '../lib/context.ts';
import { canceller, CHECK_INTERVAL_MS, FOREVER_MS, GRACE_MS, host, HOST_TIMEOUT_MS, rawWorker } from '../lib/distributed.ts';
import { summarize, summarizeAll, type Result } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';

type Distributed = typeof import('threadkit/distributed');
type Executor = InstanceType<Distributed['DistributedExecutor']>;

const TASKS = new URL('../workers/distributed-tasks.mjs', import.meta.url);
/** A module reference to one of bench/workers/distributed-tasks.mjs's tasks. */
const ref = (name: string) => ({ module: TASKS, name });

/** threadkit/distributed from the built package, or undefined (its rows are skipped with a note). */
async function loadDistributed(ctx: Context): Promise<Distributed | undefined> {
  try {
    return await import('threadkit/distributed');
  } catch (error) {
    ctx.note(`distributed: threadkit/distributed could not be loaded (${(error as Error).message}); only raw BullMQ was measured.`);
    return undefined;
  }
}

function bullConnection(url: string): ConnectionOptions {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port), maxRetriesPerRequest: null };
}

/** `count` sequential round trips through `call` after `warmup` untimed ones; ms each. */
async function roundTrips(call: (i: number) => Promise<unknown>, count: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await call(i);
    samples.push(elapsed(t0, now(), 'ms'));
  }
  return samples;
}

/** A raw BullMQ client (Queue + QueueEvents) and Worker process of `concurrency`, for `use`. */
async function withRaw<T>(url: string, concurrency: number, use: (queue: Queue, events: QueueEvents) => Promise<T>): Promise<T> {
  const name = uniqueQueue('bench-raw');
  const connection = bullConnection(url);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const worker = await rawWorker(url, name, concurrency);
  try {
    await events.waitUntilReady();
    return await use(queue, events);
  } finally {
    await worker.close();
    await Promise.all([queue.close(), events.close()]);
  }
}

/** A threadkit client and one host process of `workers`, for `use`. */
async function withHost<T>(
  tk: Distributed,
  url: string,
  workers: number,
  options: { graceMs?: number; checkIntervalMs?: number },
  use: (ex: Executor, queue: string) => Promise<T>,
): Promise<T> {
  const queue = uniqueQueue('bench-tk');
  const ex = new tk.DistributedExecutor({ queue, connection: url, ...options });
  const h = await host(url, queue, workers, `bench-host-${workers}`);
  try {
    return await use(ex, queue);
  } finally {
    await ex.shutdown();
    await h.close();
  }
}

const rawRoundTrip = (url: string, count: number) =>
  withRaw(url, 1, (queue, events) => roundTrips(async (i) => (await queue.add('echo', i)).waitUntilFinished(events), count, 20));

const tkRoundTrip = (tk: Distributed, url: string, count: number) =>
  withHost(tk, url, 1, {}, (ex) => roundTrips(async (i) => ex.submit(ref('echo'), i), count, 20));

/**
 * Jobs per second: `jobs` added at once, until the last has completed. One untimed burst of the same
 * size goes first, for both implementations alike: the first burst after idle is much slower than
 * the next (JIT, socket buffers, BullMQ's fetch loop), and the metric is about a warm host.
 */
const rawThroughput = (url: string, jobs: number) =>
  withRaw(url, 2, async (queue, events) => {
    for (let i = 0; i < 20; i++) await (await queue.add('echo', i)).waitUntilFinished(events);
    const burst = async (): Promise<number> => {
      let completed = 0;
      const all = new Promise<void>((resolve) => {
        const onCompleted = (): void => {
          if (++completed < jobs) return;
          events.off('completed', onCompleted);
          resolve();
        };
        events.on('completed', onCompleted);
      });
      const t0 = now();
      await Promise.all(Array.from({ length: jobs }, (_, i) => queue.add('echo', i)));
      await all;
      return (jobs / elapsed(t0, now(), 'ms')) * 1000;
    };
    await burst(); // warm-up, untimed
    return [await burst()];
  });

const tkThroughput = (tk: Distributed, url: string, jobs: number) =>
  withHost(tk, url, 2, {}, async (ex) => {
    for (let i = 0; i < 20; i++) await ex.submit(ref('echo'), i);
    const burst = async (): Promise<number> => {
      const t0 = now();
      await Promise.all(Array.from({ length: jobs }, (_, i) => ex.submit(ref('echo'), i)));
      return (jobs / elapsed(t0, now(), 'ms')) * 1000;
    };
    await burst(); // warm-up, untimed
    return [await burst()];
  });

/** Cancel by id from a second client process → the job blocked in sleepSync on the host wakes; ms each. */
const tkCancelWake = (tk: Distributed, url: string, count: number) =>
  withHost(tk, url, 1, {}, async (ex, queue) => {
    const other = await canceller(url, queue);
    const dir = mkdtempSync(join(tmpdir(), 'threadkit-bench-'));
    try {
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const [began, woke] = [join(dir, `began-${i}`), join(dir, `woke-${i}`)];
        const f = ex.submit(ref('sleepThenStamp'), began, woke, FOREVER_MS);
        await until(() => existsSync(began), 30_000, 'the job to begin');
        await delay(20); // the job is inside sleepSync by then
        const { at } = await other.ask({ cancel: f.id });
        await f.then(
          () => {},
          () => {},
        );
        samples.push(elapsed(BigInt(at!), BigInt(readFileSync(woke, 'utf8')), 'ms'));
      }
      return samples;
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

/** A deadline aborts a job that spins forever on a one-worker host → the host's next job begins; ms each. */
const tkDeadline = (tk: Distributed, url: string, count: number) =>
  withHost(tk, url, 1, { graceMs: GRACE_MS }, async (ex) => {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      let aborted = 0n;
      const signal = AbortSignal.timeout(100);
      signal.addEventListener('abort', () => (aborted = now()), { once: true }); // before run() adds its own
      const f = ex.run(ref('spin'), [], { signal });
      const next = ex.submit(ref('startStamp'));
      const began = (await next) as bigint;
      await f.then(
        () => {},
        () => {},
      );
      samples.push(elapsed(aborted, began, 'ms'));
    }
    return samples;
  });

/** SIGKILL of the host running a job → the job's future fails (a fresh host process per sample); ms each. */
async function tkHostKill(tk: Distributed, crashed: Threadkit['ThreadCrashedError'], url: string, count: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'threadkit-bench-'));
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const queue = uniqueQueue('bench-kill');
      const ex = new tk.DistributedExecutor({ queue, connection: url, checkIntervalMs: CHECK_INTERVAL_MS });
      const h = await host(url, queue, 1, `bench-doomed-${i}`);
      try {
        const began = join(dir, `began-${i}`);
        const f = ex.submit(ref('sleepThenStamp'), began, join(dir, `woke-${i}`), FOREVER_MS);
        await until(() => existsSync(began), 30_000, 'the job to begin');
        const t0 = now();
        await h.kill();
        const error = await f.then(
          () => undefined,
          (e: unknown) => e,
        );
        samples.push(elapsed(t0, now(), 'ms'));
        if (!(error instanceof crashed)) throw new Error(`expected ThreadCrashedError after the host's SIGKILL, got ${String(error)}`);
      } finally {
        await h.kill();
        await ex.shutdown();
      }
    }
    return samples;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const distributed: Group = async (ctx) => {
  if (!redisAvailable()) {
    ctx.note('distributed: skipped, redis-server not found (apt-get install redis-server, or set REDIS_URL).');
    return [];
  }
  const tk = await loadDistributed(ctx);
  const redis: RedisHandle = await startRedis();
  try {
    const url = redis.url;
    const impls = tk ? (['threadkit', 'raw'] as const) : (['raw'] as const);
    const results: Result[] = [];
    const count = pick(ctx, 100, 400);
    const rt = await alternate(impls, pick(ctx, 2, 3), (impl) =>
      impl === 'threadkit' ? tkRoundTrip(tk!, url, count) : rawRoundTrip(url, count),
    );
    results.push(...summarizeAll('distributed-round-trip', 'ms', rt));
    const jobs = pick(ctx, 500, 2000);
    const tp = await alternate(impls, pick(ctx, 2, 3), (impl) =>
      impl === 'threadkit' ? tkThroughput(tk!, url, jobs) : rawThroughput(url, jobs),
    );
    results.push(...summarizeAll('distributed-throughput', 'jobs/s', tp));
    if (tk && ctx.tk) {
      results.push(summarize('distributed-cancel-wake', 'threadkit', 'ms', await tkCancelWake(tk, url, pick(ctx, 10, 30))));
      results.push(summarize('distributed-deadline-next', 'threadkit', 'ms', await tkDeadline(tk, url, pick(ctx, 5, 15))));
      results.push(
        summarize('distributed-host-kill', 'threadkit', 'ms', await tkHostKill(tk, ctx.tk.ThreadCrashedError, url, pick(ctx, 3, 6))),
      );
    }
    ctx.note(
      `distributed: a real redis-server (${redis.url}); every host and raw Worker a separate process. round trip: raw Queue.add → Worker (concurrency 1) → job.waitUntilFinished(QueueEvents); threadkit await submit(echo) on a host of 1 warm worker. throughput: ${jobs} trivial jobs added at once (after one untimed burst of as many, for both), one raw Worker of concurrency 2 vs one host of 2 warm workers. cancel-wake: future(id).cancel() in a second client process → the job in sleepSync resumes. deadline-next: graceMs ${GRACE_MS}, AbortSignal.timeout(100) → the host's next job begins (goal ≤ graceMs + 50 ms). host-kill: hostTimeoutMs ${HOST_TIMEOUT_MS}, checkIntervalMs ${CHECK_INTERVAL_MS} (goal ≤ ${HOST_TIMEOUT_MS + CHECK_INTERVAL_MS + 100} ms). Raw BullMQ has no cross-process cancel and no deadline that stops a job.`,
    );
    return results;
  } finally {
    await redis.dispose();
  }
};
