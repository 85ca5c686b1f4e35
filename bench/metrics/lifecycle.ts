// thread-start (start → target running) and terminate (terminate() on a spinning thread → ended).
import { Worker } from 'node:worker_threads';
import { Stamps, elapsed, now } from '../lib/clock.ts';
import { type Group, impls, pick } from '../lib/context.ts';
import { createPool, ignore } from '../lib/peers.ts';
import { summarizeAll, type Impl, type PoolImpl } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';

const RAW_START = new URL('../workers/raw-start.mjs', import.meta.url);

/** The plain-function target: stamps slot 0 on its first line, then spins until terminated. */
function stampAndSpin(buffer: SharedArrayBuffer): void {
  const s = new BigInt64Array(buffer);
  Atomics.store(s, 0, process.hrtime.bigint());
  Atomics.notify(s, 0);
  for (;;);
}

interface Sample {
  start: number;
  terminate: number;
}

export const lifecycle: Group = async (ctx) => {
  /** One cold start, timed from the constructor to the target's first line, then one forced end. */
  async function sample(impl: PoolImpl): Promise<Sample> {
    const stamps = new Stamps(1);
    const t0 = now();
    let end: () => Promise<unknown>;
    if (impl === 'threadkit') {
      const thread = new ctx.tk!.Thread({ target: stampAndSpin, args: [stamps.buffer], daemon: true }).start();
      end = () => thread.terminate();
    } else if (impl === 'raw') {
      const worker = new Worker(RAW_START, { workerData: { stamps: stamps.buffer, then: 'spin' }, execArgv: [] });
      end = () => worker.terminate();
    } else {
      const pool = createPool(impl, 1);
      ignore(pool.run('stampAndSpin', stamps.buffer));
      end = () => pool.destroy();
    }
    const running = await stamps.wait(0);
    const t1 = now();
    await end();
    return { start: elapsed(t0, running, 'ms'), terminate: elapsed(t1, now(), 'ms') };
  }

  const perRound = pick(ctx, 1, 4);
  const terminate = new Map<Impl, number[]>();
  const start = await alternate(impls(ctx, true), pick(ctx, 3, 6), async (impl) => {
    const samples: Sample[] = [];
    for (let i = 0; i < perRound; i++) samples.push(await sample(impl));
    terminate.set(impl, [...(terminate.get(impl) ?? []), ...samples.map((s) => s.terminate)]);
    return samples.map((s) => s.start);
  });
  ctx.note(
    'thread-start: threadkit with a plain-function target (no tsx loader in the thread); raw is new Worker(file) with execArgv []; peers: pool constructor → first task running.',
  );
  ctx.note('terminate: the thread spins in for(;;); peers: pool.destroy() / pool.terminate(true) with the task running.');
  return [...summarizeAll('thread-start', 'ms', start), ...summarizeAll('terminate', 'ms', terminate)];
};
