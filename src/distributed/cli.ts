#!/usr/bin/env node
// threadkit-worker: a WorkerHost from the command line; SIGTERM/SIGINT shuts it down, a second one stops it.

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ThreadPoolExecutor } from '../executor/thread-pool.js';
import { ProcessPoolExecutor } from '../executor/process-pool.js';
import { WorkerHost } from './host.js';

const USAGE = `Usage: threadkit-worker --queue NAME [--redis URL] [--workers N] [--processes] [--root DIR]
                        [--name NAME] [--host-timeout MS] [--no-source]

Runs the jobs of a threadkit/distributed queue on this machine, on N warm workers
(default: the machine's available parallelism), N jobs at once: worker threads, or child
processes with --processes, plus one spare that takes the next job at once while a worker
stopped by a deadline is replaced. --no-source refuses plain-function targets (source text from the queue).
SIGTERM/SIGINT: shut down once the running jobs end (exit 0); a second one stops them.`;

function usage(problem: string): never {
  process.stderr.write(`threadkit-worker: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

function integer(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usage(`${flag} expects an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      queue: { type: 'string' },
      redis: { type: 'string' },
      workers: { type: 'string' },
      processes: { type: 'boolean' },
      root: { type: 'string' },
      name: { type: 'string' },
      'host-timeout': { type: 'string' },
      'no-source': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
try {
  parsed = parse();
} catch (error) {
  usage((error as Error).message);
}
const { values } = parsed;
if (values.help === true) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values.queue === undefined) usage('--queue is required');
const workers = integer(values.workers, '--workers', 1) ?? availableParallelism();
const hostTimeoutMs = integer(values['host-timeout'], '--host-timeout', 300);

let host: WorkerHost;
try {
  const Pool = values.processes === true ? ProcessPoolExecutor : ThreadPoolExecutor;
  // One spare warm worker: the next job begins at once while a worker stopped by a deadline is replaced.
  const executor = new Pool({ maxWorkers: workers + 1, minWorkers: workers + 1, idleTimeoutMs: Infinity });
  host = new WorkerHost({
    queue: values.queue,
    executor,
    concurrency: workers,
    ...(values.redis === undefined ? {} : { connection: values.redis }),
    ...(values.root === undefined ? {} : { root: values.root }),
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(hostTimeoutMs === undefined ? {} : { hostTimeoutMs }),
    ...(values['no-source'] === true ? { acceptSource: false } : {}),
  });
} catch (error) {
  usage((error as Error).message);
}

let signals = 0;
const onSignal = (): void => {
  signals += 1;
  if (signals === 1) {
    process.stderr.write(
      `threadkit-worker ${host.name}: shutting down once the ${host.running} running job(s) end (signal again to stop them)\n`,
    );
    void host.shutdown().then(() => process.exit(0));
  } else if (signals === 2) {
    process.stderr.write(`threadkit-worker ${host.name}: stopping the running jobs\n`);
    void host.stop({ graceMs: 0 }).then(() => process.exit(0));
  }
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

try {
  await host.start();
} catch (error) {
  process.stderr.write(`threadkit-worker: ${(error as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(
  `threadkit-worker ${host.name} ready: queue ${host.queue}, ${workers} ${values.processes === true ? 'process' : 'thread'} worker(s)${values['no-source'] === true ? ', no source targets' : ''}\n`,
);
