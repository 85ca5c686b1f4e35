// process-pool-round-trip: sequential `await processPool.submit(trivial)` on a warm ProcessPoolExecutor of
// one worker, vs a raw child_process.fork() child (workers/raw-child.mjs) that sends each IPC message back,
// and the peers that pool processes (tinypool, workerpool; see createProcessPool).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { poolApi, type PoolApi } from '../lib/api.ts';
import { elapsed, now } from '../lib/clock.ts';
import { type Group, impls, pick } from '../lib/context.ts';
import { summarizeAll } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';
import { createProcessPool, PROCESS_PEERS, type ProcessPeer } from '../lib/peers.ts';

const RAW_CHILD = fileURLToPath(new URL('../workers/raw-child.mjs', import.meta.url));

/** threadkit target: the trivial task, returns its argument. */
function echo(value: unknown): unknown {
  return value;
}

/** `count` sequential round trips through `call`, after `warmup` untimed ones; µs each. */
async function roundTrips(call: (i: number) => PromiseLike<unknown>, count: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await call(i);
    samples.push(elapsed(t0, now(), 'us'));
  }
  return samples;
}

async function threadkit(api: PoolApi, count: number): Promise<number[]> {
  const pool = new api.ProcessPoolExecutor({ maxWorkers: 1, minWorkers: 1 });
  try {
    return await roundTrips((i) => pool.submit(echo, i), count, 50);
  } finally {
    await pool.shutdown();
  }
}

async function raw(count: number): Promise<number[]> {
  const child: ChildProcess = fork(RAW_CHILD, ['idle'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'message'); // { started }: the child runs
  try {
    return await roundTrips(
      (i) => {
        const reply = once(child, 'message');
        child.send({ echo: i });
        return reply;
      },
      count,
      50,
    );
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

async function peer(impl: ProcessPeer, count: number): Promise<number[]> {
  const pool = createProcessPool(impl, 1);
  try {
    return await roundTrips((i) => pool.run('echo', i).done, count, 50);
  } finally {
    await pool.destroy();
  }
}

export const processPool: Group = async (ctx) => {
  const api = poolApi(ctx, 'process-pool-round-trip');
  const isProcessPeer = (i: string): i is ProcessPeer => (PROCESS_PEERS as readonly string[]).includes(i);
  const all = impls(ctx, true).filter((i) => (i === 'threadkit' ? api : i === 'raw' || isProcessPeer(i)));
  const count = pick(ctx, 200, 1000);
  const samples = await alternate(all, pick(ctx, 2, 4), (impl) =>
    impl === 'threadkit' ? threadkit(api!, count) : isProcessPeer(impl) ? peer(impl, count) : raw(count),
  );
  ctx.note(
    "process-pool-round-trip: sequential await of a trivial task on a warm one-worker ProcessPoolExecutor; raw: child.send() → the forked child sends it back → its message arrives; peers: one-process pools (tinypool runtime child_process, workerpool workerType process; poolifier's cluster pool is left out, see peers.ts).",
  );
  return summarizeAll('process-pool-round-trip', 'us', samples);
};
