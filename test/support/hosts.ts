// Hosts as real separate processes for the distributed tests: the threadkit-worker CLI, or a programmatic WorkerHost in a child.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DistributedFuture } from '../../src/distributed/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/distributed/cli.ts', import.meta.url));
const HOST = fileURLToPath(new URL('../fixtures/distributed/host.ts', import.meta.url));

export interface HostProcess {
  readonly child: ChildProcess;
  readonly name: string;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with its exit code (or signal name) once it has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM (a second call: a second SIGTERM). */
  term(): void;
  /** SIGKILL. */
  kill(): void;
}

export interface HostOptions {
  queue: string;
  url: string;
  /** 'cli' runs threadkit-worker; 'program' a WorkerHost in a child (test/fixtures/distributed/host.ts). Default 'cli'. */
  via?: 'cli' | 'program';
  processes?: boolean;
  workers?: number;
  name?: string;
  hostTimeoutMs?: number;
  /** More CLI arguments (`--no-source`, `--root`). */
  args?: string[];
}

let counter = 0;

/** Starts a host and resolves once it printed its ready line; rejects (with its output) when it exits first. */
export async function startHost(options: HostOptions): Promise<HostProcess> {
  counter += 1;
  const name = options.name ?? `host-${process.pid}-${counter}`;
  const workers = String(options.workers ?? 2);
  const args =
    options.via === 'program'
      ? [HOST, options.queue, options.url, options.processes ? 'processes' : 'threads', workers, name, String(options.hostTimeoutMs ?? '')]
      : [
          CLI,
          '--queue',
          options.queue,
          '--redis',
          options.url,
          '--workers',
          workers,
          '--name',
          name,
          ...(options.processes ? ['--processes'] : []),
          ...(options.hostTimeoutMs === undefined ? [] : ['--host-timeout', String(options.hostTimeoutMs)]),
          ...(options.args ?? []),
        ];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/^(threadkit-worker \S+ )?ready/m.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`host ${name} exited (${code}) before it was ready:\n${output}`)));
  });
  return {
    child,
    name,
    pid: child.pid!,
    output: () => output,
    exited,
    term: () => child.kill('SIGTERM'),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Kills every host still running (for after()): SIGKILL, then waits for each to exit. */
export async function killAll(hosts: Iterable<HostProcess>): Promise<void> {
  await Promise.all(
    [...hosts].map(async (host) => {
      if (host.child.exitCode === null && host.child.signalCode === null) host.kill();
      await host.exited;
    }),
  );
}

/**
 * Resolves once the future's job has begun on a host. Its state comes from the queue's events in
 * Redis, and a Future has no event of its own for it, so this looks every 5 ms (10 s at most).
 */
export async function begun(future: DistributedFuture<unknown>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (future.state === 'pending') {
    if (Date.now() - started > timeoutMs) throw new Error(`${future.name} did not begin within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
