// process-start, process-cancel-blocked-sleep, process-terminate, memory-per-process: Process next to a
// bare child_process.fork() child (workers/raw-child.mjs, execArgv [] so it loads no tsx).
//
// A child cannot share memory, so the child reports hrtime (the same CLOCK_MONOTONIC as ours on Linux) as a
// string: threadkit's targets return it as their result, the raw child sends it as an IPC message.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { delay, elapsed, now, until } from '../lib/clock.ts';
import { type Group, type Threadkit, impls, pick } from '../lib/context.ts';
import { summarizeAll, type Impl } from '../lib/results.ts';
import { alternate } from '../lib/rounds.ts';

declare const sleepSync: Threadkit['sleepSync']; // seen by name inside the plain-function targets

const RAW_CHILD = fileURLToPath(new URL('../workers/raw-child.mjs', import.meta.url));

/** The process-start target: returns the time it began. */
const stampNow = (): string => String(process.hrtime.bigint());

/** The cancel target: sleeps until cancelled, then returns the time it woke. */
function sleepThenStamp(): string {
  sleepSync(60_000);
  return String(process.hrtime.bigint());
}

/** An idle live child: blocked in sleepSync. */
function sleepLong(): void {
  sleepSync(60_000);
}

type ProcessClass = Threadkit['Process'];
type Message = { started?: string; woken?: string };

/** Forks the raw child and resolves once its first message (the time it began) has arrived. */
async function forkRaw(mode: 'idle' | 'spin'): Promise<{ child: ChildProcess; started: bigint }> {
  const child = fork(RAW_CHILD, [mode], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [m] = (await once(child, 'message')) as [Message];
  return { child, started: BigInt(m.started!) };
}

async function endRaw(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** VmRSS of a live process in MiB (Linux). */
function rssMiB(pid: number): number {
  const kB = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kB) / 1024;
}

export const processes: Group = async (ctx) => {
  const Process: ProcessClass | undefined = ctx.tk && 'Process' in ctx.tk ? ctx.tk.Process : undefined;
  if (ctx.tk && !Process) ctx.note('process-*: threadkit does not export Process yet; only raw was measured.');
  const procImpls = impls(ctx, false).filter((i) => i !== 'threadkit' || Process);
  const rounds = pick(ctx, 3, 4);

  // process-start: constructor → the target's first line.
  const startSamples = await alternate(procImpls, rounds, async (impl) => {
    const samples: number[] = [];
    for (let i = 0; i < pick(ctx, 1, 5); i++) {
      const t0 = now();
      if (impl === 'threadkit') {
        const p = new Process!({ target: stampNow }).start();
        samples.push(elapsed(t0, BigInt(await p.result()), 'ms'));
      } else {
        const { child, started } = await forkRaw('idle');
        samples.push(elapsed(t0, started, 'ms'));
        await endRaw(child);
      }
    }
    return samples;
  });

  // process-cancel-blocked-sleep: cancel() → the child's sleepSync returns; raw: send() → the child's
  // 'message' handler runs (one IPC hop, the least a cancel to another process can cost). Both children
  // idle 100 ms before each sample: a process woken from idle answers slower than one pinged every 2 ms.
  const cancelSamples = await alternate(procImpls, rounds, async (impl) => {
    const samples: number[] = [];
    if (impl === 'threadkit') {
      for (let i = 0; i < pick(ctx, 2, 12); i++) {
        const p = new Process!({ target: sleepThenStamp }).start();
        await until(() => p.state === 'running', 30_000, 'the Process to run');
        await delay(100); // the target is in sleepSync by now
        const t0 = now();
        p.cancel();
        samples.push(elapsed(t0, BigInt(await p.result()), 'us'));
      }
    } else {
      const { child } = await forkRaw('idle');
      for (let i = 0; i < pick(ctx, 10, 60); i++) {
        await delay(100); // idle as long as threadkit's child before its cancel: waking an idle process costs more
        const woken = once(child, 'message') as Promise<[Message]>;
        const t0 = now();
        child.send('ping');
        samples.push(elapsed(t0, BigInt((await woken)[0].woken!), 'us'));
      }
      await endRaw(child);
    }
    return samples;
  });

  // process-terminate and memory-per-process: an idle live child (blocked in sleepSync / idle on IPC);
  // its RSS, then terminate() → ended; raw: SIGTERM → 'exit'.
  const memorySamples = new Map<Impl, number[]>();
  const terminateSamples = await alternate(procImpls, rounds, async (impl) => {
    const samples: number[] = [];
    const memory: number[] = memorySamples.get(impl) ?? [];
    memorySamples.set(impl, memory);
    for (let i = 0; i < pick(ctx, 1, 4); i++) {
      if (impl === 'threadkit') {
        const p = new Process!({ target: sleepLong }).start();
        await until(() => p.state === 'running', 30_000, 'the Process to run');
        await delay(200);
        memory.push(rssMiB(p.pid!));
        const t0 = now();
        await p.terminate();
        samples.push(elapsed(t0, now(), 'ms'));
      } else {
        const { child } = await forkRaw('idle');
        await delay(200);
        memory.push(rssMiB(child.pid!));
        const exited = once(child, 'exit');
        const t0 = now();
        child.kill('SIGTERM');
        await exited;
        samples.push(elapsed(t0, now(), 'ms'));
      }
    }
    return samples;
  });

  ctx.note(
    'process-*: threadkit Process with plain-function targets; raw is child_process.fork() of a .mjs child with execArgv [] (readiness: state running + 100 ms).',
  );
  return [
    ...summarizeAll('process-start', 'ms', startSamples),
    ...summarizeAll('process-cancel-blocked-sleep', 'us', cancelSamples),
    ...summarizeAll('process-terminate', 'ms', terminateSamples),
    ...summarizeAll('memory-per-process', 'MiB', memorySamples),
  ];
};
