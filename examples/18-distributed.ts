// Across machines (API.md section 8): one client, two hosts in their own processes, on a real Redis.
// Jobs spread over the hosts; a job is cancelled by id from a second process and wakes from its sleep;
// a deadline stops a job that never checks for cancellation; a host is killed and its job fails with
// ThreadCrashedError while the other host goes on. The same code runs with hosts on other machines.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ThreadCrashedError } from 'threadkit';
import { DistributedExecutor } from 'threadkit/distributed';
import { haveRedis, HOW_TO_SEE, redis } from './distributed/redis.ts';
import { countdown, spin, square } from './tasks/distributed.ts';

if (!haveRedis()) {
  console.log(HOW_TO_SEE);
  process.exit(0);
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
/** The threadkit-worker command (what `npx threadkit-worker` runs), from the package's `bin`. */
const CLI = fileURLToPath(new URL('./dist/distributed/cli.js', import.meta.resolve('threadkit/package.json')));

/** A child program (a path) under this program's runtime (node + tsx), its output prefixed `[name] `. */
function program(
  name: string,
  path: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; output: () => string; line: (text: string) => Promise<void> } {
  const child = spawn(process.execPath, [...process.execArgv, path, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let seen = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    seen += chunk;
    process.stdout.write(chunk.replace(/^(?=.)/gm, `[${name}] `));
  });
  /** Resolves once the program has printed a line that contains `text`. */
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!seen.split('\n').some((l) => l.includes(text))) return;
        child.stdout.off('data', check);
        child.off('exit', gone);
        resolve();
      };
      const gone = (): void => reject(new Error(`${name} exited before printing "${text}"`));
      child.stdout.on('data', check);
      child.once('exit', gone);
      check();
    });
  return { child, output: () => seen, line };
}

const { url, stop: stopRedis } = await redis();
const queue = `demo-${process.pid}`;
console.log(`Redis at ${url}, queue ${queue}`);

// Two hosts: alpha a WorkerHost in a program of its own, beta the threadkit-worker command.
const cli = ['--queue', queue, '--redis', url, '--workers', '1', '--name', 'beta', '--host-timeout', '1000'];
const hosts = [
  { name: 'alpha', ...program('alpha', here('distributed/host.ts'), [url, queue, 'alpha']) },
  { name: 'beta', ...program('beta', CLI, cli, { ...process.env, DEMO_HOST: 'beta' }) },
];
await Promise.all(hosts.map((h) => h.line(`${h.name} ready`)));

const ex = new DistributedExecutor({ queue, connection: url, checkIntervalMs: 200 });

// 1. map() over the hosts, as over a local pool.
const squares: string[] = [];
for await (const r of ex.map(square, [1, 2, 3, 4])) squares.push(`${r.n}²=${r.square} on ${r.host}`);
console.log(`map: ${squares.join(', ')}`);

// 2. A countdown sleeping on a host, cancelled by another process that knows only its id.
const launch = ex.submit(countdown, 'launch', 10, 1000);
await Promise.race(hosts.map((h) => h.line('launch on')));
console.log(`launch is job ${launch.id}; a second process cancels it by id`);
const other = program('other process', here('distributed/cancel.ts'), [url, queue, launch.id]);
const otherDone = once(other.child, 'close');
const result = await launch;
await otherDone;
const cancelAt = Number(/cancel\('launch aborted'\) at ([\d.]+)/.exec(other.output())?.[1]);
console.log(
  `launch stopped at T-minus ${result.stoppedAt} on ${result.host}, ${(result.endedAt - cancelAt).toFixed(1)} ms after the other process's cancel() (it was asleep for up to 1000 ms)`,
);

// 3. A deadline: the signal aborts after 500 ms, the job never checks; its host replaces the worker.
const t0 = performance.now();
const outcome = await ex.run(spin, ['runaway'], { signal: AbortSignal.timeout(500) }).then(
  () => 'completed',
  (error: unknown) => (error as Error).name,
);
console.log(`deadline: runaway ended with ${outcome} after ${(performance.now() - t0).toFixed(0)} ms (500 ms + graceMs 1000)`);

// 4. A host dies (SIGKILL) while it runs a job: the future fails with ThreadCrashedError naming it.
const doomed = ex.submit(countdown, 'doomed', 30, 1000);
const victim = await Promise.race(hosts.map((h) => h.line('doomed on').then(() => h)));
const killedAt = performance.now();
victim.child.kill('SIGKILL');
const error = await doomed.then(
  () => undefined,
  (e: unknown) => e,
);
console.log(
  `killed ${victim.name}: doomed failed after ${(performance.now() - killedAt).toFixed(0)} ms with ${error instanceof ThreadCrashedError ? 'ThreadCrashedError' : String(error)}: ${(error as Error).message}`,
);
const after = await ex.submit(square, 5);
console.log(`the other host goes on: 5²=${after.square} on ${after.host}`);

await ex.shutdown();
const survivor = hosts.find((h) => h !== victim)!;
survivor.child.kill('SIGTERM');
await Promise.all(hosts.filter((h) => h.child.exitCode === null && h.child.signalCode === null).map((h) => once(h.child, 'exit')));
await stopRedis();
console.log('client shut down, hosts and Redis stopped');
