// The options of DistributedExecutor and WorkerHost, checked in their constructors (API.md 8.1, 8.4).

import { isAbsolute, resolve } from 'node:path';
import { hostname } from 'node:os';
import { got } from '../errors.js';
import { validateBoolean, validateMs, validateOptions } from '../base/validate.js';
import { Executor } from '../executor/executor.js';

/** ioredis connection options (passed through as they are: `host`, `port`, `password`, `db`, `tls`, ...). */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: object;
  [key: string]: unknown;
}

/** A `redis://` / `rediss://` URL or ioredis options. */
export type Connection = string | RedisConnectionOptions;

export interface DistributedExecutorOptions {
  /** The queue's name (required): non-empty, without `:`. */
  queue: string;
  /** Default `redis://127.0.0.1:6379`. */
  connection?: Connection;
  /** What module tasks' paths are relative to. Default `process.cwd()`. */
  root?: string;
  /** What stop() and an aborted run() signal give a running job before its host replaces the worker. Default 1000. */
  graceMs?: number;
  /** How long a submit waits for Redis before its future fails with ConnectionError. Default 10 000. */
  connectTimeoutMs?: number;
  /** How often the client checks its running jobs' hosts and reconciles with Redis. Default 500. */
  checkIntervalMs?: number;
  /** How long Redis keeps a finished job's outcome and a cancel record. Default 3 600 000. */
  keepResultsMs?: number;
  /** Default `DistributedExecutor-N`. */
  name?: string;
}

export interface WorkerHostOptions {
  queue: string;
  connection?: Connection;
  /** The local pool that runs the jobs (required): a ThreadPoolExecutor or ProcessPoolExecutor. */
  executor: Executor;
  /** What module paths from clients are resolved against. Default `process.cwd()`. */
  root?: string;
  /** How long a silent host counts as alive (>= 300). Default 10 000. */
  hostTimeoutMs?: number;
  /** Names the host in errors. Default `<hostname>:<pid>`. */
  name?: string;
  /** Whether plain-function targets (source text from the queue) are run. Default true. */
  acceptSource?: boolean;
  /**
   * Jobs run at once, from 1 to `executor.maxWorkers` (default: `executor.maxWorkers`). Fewer than
   * the pool's warm workers leaves spares: the next job begins at once on a spare while a worker
   * stopped by a deadline is being replaced (threadkit-worker keeps one spare).
   */
  concurrency?: number;
}

const CLIENT_KEYS = new Set(['queue', 'connection', 'root', 'graceMs', 'connectTimeoutMs', 'checkIntervalMs', 'keepResultsMs', 'name']);
const HOST_KEYS = new Set(['queue', 'connection', 'executor', 'root', 'hostTimeoutMs', 'name', 'acceptSource', 'concurrency']);

export const DEFAULT_CONNECTION = 'redis://127.0.0.1:6379';

function queueName(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.includes(':')) {
    throw new TypeError(`Expected \`queue\` to be a non-empty name without \`:\`, ${got(value)}`);
  }
  return value;
}

function connection(value: unknown): Connection {
  if (value === undefined) return DEFAULT_CONNECTION;
  if (typeof value === 'string') {
    if (!/^rediss?:\/\//.test(value))
      throw new TypeError(`Expected \`connection\` to be a redis:// or rediss:// URL or ioredis options, ${got(value)}`);
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `Expected \`connection\` to be a redis:// URL or ioredis options ({ host, port, password, db, tls }), ${got(value)}`,
    );
  }
  return { ...(value as RedisConnectionOptions) };
}

function root(value: unknown): string {
  if (value === undefined) return process.cwd();
  if (typeof value !== 'string' || value === '') throw new TypeError(`Expected \`root\` to be a directory path, ${got(value)}`);
  return isAbsolute(value) ? value : resolve(value);
}

function optionalName(value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === ''))
    throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(value)}`);
  return value;
}

function ms(value: unknown, label: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  validateMs(value, label);
  if (value < min) throw new RangeError(`Expected \`${label}\` to be a number >= ${min} or Infinity, ${got(value)}`);
  return value;
}

export type ClientConfig = Required<Omit<DistributedExecutorOptions, 'name'>> & { name: string | undefined };

/** The client's options, checked, with their defaults. @throws {TypeError|RangeError} naming the option. */
export function clientOptions(options: unknown): ClientConfig {
  if (options === undefined) throw new TypeError('Expected `options` to be an object with at least `queue`, got `undefined`');
  const o = validateOptions(options, 'DistributedExecutor', CLIENT_KEYS);
  const checkIntervalMs = ms(o.checkIntervalMs, 'checkIntervalMs', 500);
  if (checkIntervalMs === 0 || checkIntervalMs === Infinity) {
    throw new RangeError(`Expected \`checkIntervalMs\` to be a finite number > 0, ${got(checkIntervalMs)}`);
  }
  return {
    queue: queueName(o.queue),
    connection: connection(o.connection),
    root: root(o.root),
    graceMs: ms(o.graceMs, 'graceMs', 1000),
    connectTimeoutMs: ms(o.connectTimeoutMs, 'connectTimeoutMs', 10_000),
    checkIntervalMs,
    keepResultsMs: ms(o.keepResultsMs, 'keepResultsMs', 3_600_000, 1),
    name: optionalName(o.name),
  };
}

export type HostConfig = Required<WorkerHostOptions>;

/** The host's options, checked, with their defaults. @throws {TypeError|RangeError} naming the option. */
export function hostOptions(options: unknown): HostConfig {
  if (options === undefined) throw new TypeError('Expected `options` to be an object with `queue` and `executor`, got `undefined`');
  const o = validateOptions(options, 'WorkerHost', HOST_KEYS);
  if (!(o.executor instanceof Executor)) {
    throw new TypeError(`Expected \`executor\` to be a ThreadPoolExecutor or ProcessPoolExecutor, ${got(o.executor)}`);
  }
  validateBoolean(o.acceptSource, 'acceptSource');
  const hostTimeoutMs = ms(o.hostTimeoutMs, 'hostTimeoutMs', 10_000, 300);
  if (hostTimeoutMs === Infinity) throw new RangeError(`Expected \`hostTimeoutMs\` to be a finite number >= 300, ${got(hostTimeoutMs)}`);
  const { maxWorkers } = o.executor;
  const concurrency = o.concurrency ?? maxWorkers;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > maxWorkers) {
    throw new RangeError(
      `Expected \`concurrency\` to be an integer from 1 to the executor's maxWorkers (${maxWorkers}), ${got(concurrency)}`,
    );
  }
  return {
    queue: queueName(o.queue),
    connection: connection(o.connection),
    executor: o.executor,
    concurrency,
    root: root(o.root),
    hostTimeoutMs,
    name: optionalName(o.name) ?? `${hostname()}:${process.pid}`,
    acceptSource: o.acceptSource ?? true,
  };
}
