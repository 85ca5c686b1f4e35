// Smoke suite for Node, Bun and Deno: Thread, Process and the pools on the built package (dist), every lifecycle path.
//
// A plain script with its own asserts, so every runtime runs it as it is: `node --import tsx`,
// `bun`, `deno run -A`. It prints one line per check and exits 1 on the first failure (or hangs
// into the caller's timeout: .ci/smoke-runtimes gives it one).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CancelledError,
  ExecutorShutDownError,
  Process,
  ProcessPoolExecutor,
  TerminatedError,
  Thread,
  ThreadCrashedError,
  ThreadPoolExecutor,
  activeCount,
  enumerate,
  type Future,
} from '../../dist/index.js';
import { add, fail, greet, ident, identNap, nap, napThenCheckpoint, shout, spin } from './tasks.ts';

const runtime = 'Deno' in globalThis ? 'deno' : process.versions.bun !== undefined ? 'bun' : 'node';
const PROGRAM = fileURLToPath(new URL('./program.ts', import.meta.url));
const TASKS = new URL('./tasks.ts', import.meta.url);
type Ctor = typeof Thread | typeof Process;

let failed = false;
async function check(name: string, body: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await body();
    console.log(`ok   ${runtime} ${name} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    failed = true;
    console.log(`FAIL ${runtime} ${name}`);
    console.log(error);
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `t` is running (its target has begun); fails after 20 s. */
async function running(t: Thread | Process): Promise<void> {
  for (const deadline = Date.now() + 20_000; t.state !== 'running'; await delay(5)) {
    if (Date.now() > deadline) throw new Error(`${t.name} still ${t.state} after 20 s`);
  }
}

/** Runs program.ts with this runtime, as a user would; resolves with its stdout and exit. */
function runProgram(
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
): Promise<{ stdout: string; code: number | null; signal: string | null }> {
  const runArgs = runtime === 'deno' ? ['run', '-A', PROGRAM] : [...process.execArgv, PROGRAM];
  const child = spawn(process.execPath, [...runArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    for (const line of chunk.split('\n')) if (line) onLine?.(line, () => child.kill('SIGKILL'));
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, code, signal });
    }),
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function goneWithin(pid: number, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; alive(pid); await delay(10)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`pid ${pid} still running ${ms} ms after its parent ended`);
    }
  }
}

for (const Ctor of [Thread, Process] as Ctor[]) {
  const kind = Ctor.name;
  await check(`${kind}: a plain function's result`, async () => {
    assert.equal(await new Ctor({ target: (a: number, b: number) => a * b, args: [6, 7] }).start().result(), 42);
  });
  await check(`${kind}: a module task's result (TypeScript module)`, async () => {
    assert.equal(await new Ctor({ target: add, args: [2, 3] }).start().result(), 5);
  });
  await check(`${kind}: a { module, name } reference`, async () => {
    assert.equal(greet('x'), 'hello x');
    assert.equal(await new Ctor({ target: { module: TASKS, name: 'greet' }, args: ['you'] }).start().result(), 'hello you');
  });
  await check(`${kind}: an error crosses with its class and message`, async () => {
    const t = new Ctor({ target: fail, args: ['too far'] });
    const hook = Ctor.excepthook;
    Ctor.excepthook = () => {};
    try {
      await assert.rejects(t.start().result(), (error: Error) => error instanceof RangeError && error.message === 'too far');
      assert.equal(t.outcome?.status, 'failed');
    } finally {
      Ctor.excepthook = hook;
    }
  });
  await check(`${kind}: cancel() wakes a blocked sleepSync()`, async () => {
    const t = new Ctor({ target: nap }).start();
    await running(t);
    await delay(50);
    const cancelledAt = performance.now();
    t.cancel();
    assert.equal(await t.result(5000), 'woken');
    assert.ok(performance.now() - cancelledAt < 2000, 'the cancel took over 2 s');
  });
  await check(`${kind}: cancel(reason) with checkpoint() ends 'cancelled' with the reason`, async () => {
    const t = new Ctor({ target: napThenCheckpoint }).start();
    await running(t);
    t.cancel('enough');
    await assert.rejects(t.result(5000), (error: Error) => error instanceof CancelledError);
    assert.deepEqual(t.outcome, { status: 'cancelled', reason: 'enough' });
  });
  await check(`${kind}: cancel() right after start() runs nothing`, async () => {
    const t = new Ctor({ target: spin }).start();
    t.cancel();
    assert.equal((await t.stop({ graceMs: 5000 })).status, 'cancelled');
  });
  await check(`${kind}: terminate() ends a busy loop`, async () => {
    const t = new Ctor({ target: spin }).start();
    await running(t);
    assert.equal((await t.terminate()).status, 'terminated');
    await assert.rejects(t.result(), (error: Error) => error instanceof TerminatedError);
  });
  await check(`${kind}: stop() cancels, then terminates what ignores it`, async () => {
    const polite = new Ctor({ target: napThenCheckpoint }).start();
    const stubborn = new Ctor({ target: spin }).start();
    await Promise.all([running(polite), running(stubborn)]);
    const [a, b] = await Promise.all([polite.stop({ graceMs: 2000 }), stubborn.stop({ graceMs: 200 })]);
    assert.equal(a.status, 'cancelled');
    assert.equal(b.status, 'terminated');
  });
  await check(`${kind}: process.exit() in the target crashes the thread`, async () => {
    const hook = Ctor.excepthook;
    Ctor.excepthook = () => {};
    try {
      const t = new Ctor({ target: () => process.exit(3) }).start();
      await assert.rejects(t.result(), (error: Error) => error instanceof ThreadCrashedError);
    } finally {
      Ctor.excepthook = hook;
    }
  });
}

await check('Process: pid, exitCode and kill()', async () => {
  const p = new Process({ target: nap }).start();
  await running(p);
  assert.ok(typeof p.pid === 'number' && alive(p.pid));
  await p.kill();
  assert.equal(p.signalCode, 'SIGKILL');
  assert.equal(alive(p.pid), false);
});

await check('output of a Thread and a Process reaches stdout, and results come back', async () => {
  assert.equal(shout.length, 1);
  const { stdout, code } = await runProgram(['output']);
  assert.equal(code, 0, stdout);
  for (const line of ['out Thread', 'result THREAD', 'out Process', 'result PROCESS'])
    assert.ok(stdout.includes(line), `no "${line}" in:\n${stdout}`);
});

await check('daemon Thread and Process: the program exits, the daemon child with it', async () => {
  const { stdout, code } = await runProgram(['daemon']);
  assert.equal(code, 0, stdout);
  const pid = Number(/pid (\d+)/.exec(stdout)?.[1]);
  assert.ok(pid > 0, stdout);
  await goneWithin(pid, 5000);
});

await check('a daemon Process dies with its parent killed by SIGKILL', async () => {
  let pid = 0;
  const { signal } = await runProgram(['wait', 'daemon'], (line, kill) => {
    const match = /pid (\d+)/.exec(line);
    if (match) {
      pid = Number(match[1]);
      kill();
    }
  });
  assert.equal(signal, 'SIGKILL');
  assert.ok(pid > 0);
  await goneWithin(pid, 5000);
});

/** Resolves once the future's target has begun (state 'running'); fails after 20 s. */
async function begun(f: Future<unknown>): Promise<void> {
  for (const deadline = Date.now() + 20_000; f.state === 'pending'; await delay(5)) {
    if (Date.now() > deadline) throw new Error(`${f.name} still pending after 20 s`);
  }
}

const pools: Array<ThreadPoolExecutor | ProcessPoolExecutor> = [];
for (const Pool of [ThreadPoolExecutor, ProcessPoolExecutor]) {
  const kind = Pool.name;
  const pool = new Pool({ maxWorkers: 1 });
  pools.push(pool);
  await check(`${kind}: submit() of a module task and a plain function, result()`, async () => {
    assert.equal(await pool.submit(add, 2, 3), 5);
    assert.equal(await pool.submit((a: number, b: number) => a * b, 6, 7).result(5000), 42);
  });
  await check(`${kind}: cancel() of a running task keeps the worker; the next task runs on it`, async () => {
    const f = pool.submit(identNap);
    await begun(f);
    f.cancel();
    const { ident: first, woken } = await f.result(5000);
    assert.equal(woken, true, 'the task was not woken by its cancel');
    assert.equal(await pool.submit(ident).result(5000), first, 'the next task ran on another worker');
    assert.equal(pool.stats.workers, 1);
  });
  await check(`${kind}: map() yields the results in input order`, async () => {
    const out: number[] = [];
    for await (const v of pool.map((x: number) => x * 2, [1, 2, 3, 4])) out.push(v);
    assert.deepEqual(out, [2, 4, 6, 8]);
  });
  await check(`${kind}: a task that throws fails its future with the error; the pool goes on`, async () => {
    await assert.rejects(
      pool.submit(fail, 'too far').result(5000),
      (error: Error) => error instanceof RangeError && error.message === 'too far',
    );
    assert.equal(await pool.submit(add, 1, 1), 2);
  });
  await check(`${kind}: stop() of a stuck task replaces its worker; the next task runs on a new one`, async () => {
    const before = await pool.submit(ident).result(5000);
    const f = pool.submit(spin);
    await begun(f);
    assert.equal((await f.stop({ graceMs: 200 })).status, 'terminated');
    await assert.rejects(f.result(), (error: Error) => error instanceof TerminatedError);
    const after = await pool.submit(ident).result(10_000);
    assert.notEqual(after, before, 'the stuck worker was not replaced');
  });
  await check(`${kind}: shutdown() ends the workers; submit() then throws ExecutorShutDownError`, async () => {
    const worker = await pool.submit(ident).result(5000);
    const f = pool.submit(add, 4, 5);
    await pool.shutdown();
    assert.equal(f.outcome?.status, 'completed');
    assert.equal(pool.stats.workers, 0);
    // A process pool's worker ident is its child's pid: the child is gone.
    if (Pool === ProcessPoolExecutor) await goneWithin(worker, 5000);
    assert.throws(() => pool.submit(add, 1, 2), ExecutorShutDownError);
  });
}

await check('nothing is left running', () => {
  assert.equal(activeCount(), 0);
  assert.deepEqual(enumerate(), []);
  for (const pool of pools)
    assert.deepEqual(
      { name: pool.name, workers: pool.stats.workers, queued: pool.stats.queued },
      { name: pool.name, workers: 0, queued: 0 },
    );
  return Promise.resolve();
});

console.log(failed ? `FAILED on ${runtime}` : `all passed on ${runtime}`);
process.exitCode = failed ? 1 : 0;
