// Redis connections for the distributed executor: bullmq and ioredis loaded on first use, sockets that never hold the program by themselves, and the Lua scripts of the job records.

import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import type * as BullMQ from 'bullmq';
import type { Queue } from 'bullmq';
import { ConnectionError } from './errors.js';
import type { Connection } from './options.js';

export type { RedisClient };
export type BullMQModule = typeof BullMQ;

interface Modules {
  readonly Redis: new (...args: never[]) => RedisClient;
  readonly bullmq: BullMQModule;
}

let loading: Promise<Modules> | undefined;

/**
 * bullmq and ioredis, imported once (optional peer dependencies: `import 'threadkit'` never loads them).
 * @throws {Error} saying to install them when they are missing.
 */
export function modules(): Promise<Modules> {
  return (loading ??= (async () => {
    try {
      const [ioredis, bullmq] = await Promise.all([import('ioredis'), import('bullmq')]);
      return { Redis: ioredis.Redis as unknown as Modules['Redis'], bullmq };
    } catch (error) {
      loading = undefined;
      throw new Error('threadkit/distributed needs the packages bullmq (6.x) and ioredis (5.x): npm install bullmq ioredis', {
        cause: error,
      });
    }
  })());
}

/** `redis://host:port/db` or `host:port` of ioredis options, for messages (no password). */
export function address(connection: Connection): string {
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      url.password = '';
      url.username = '';
      return url.href;
    } catch {
      return connection;
    }
  }
  return `${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
}

/**
 * A new ioredis client. `held: false`: its socket is unref'd on every (re)connect, so it never
 * holds the program open by itself (the owner holds it while it has work, with a timer).
 * Commands wait while it reconnects (`maxRetriesPerRequest: null`).
 */
export function connect(Redis: Modules['Redis'], connection: Connection, options: { held: boolean; name: string }): RedisClient {
  const base: RedisOptions = {
    maxRetriesPerRequest: null,
    connectionName: options.name,
    retryStrategy: (times) => Math.min(50 * times, 500),
  };
  const Ctor = Redis as unknown as new (...args: unknown[]) => RedisClient;
  const client = typeof connection === 'string' ? new Ctor(connection, base) : new Ctor({ ...connection, ...base });
  // A client with no listener would print every connection error; the owner reads `status` instead.
  client.on('error', () => {});
  if (!options.held) {
    const unref = (): void => (client as unknown as { stream?: { unref?: () => void } }).stream?.unref?.();
    client.on('connect', unref);
    unref();
  }
  return client;
}

/**
 * Resolves once `client` is ready; rejects with ConnectionError naming `where` after `timeoutMs`.
 * The timer does not hold the program by itself... but the caller's pending work does.
 */
export function ready(client: RedisClient, where: string, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        client.off('ready', onReady);
        reject(new ConnectionError(`Cannot reach Redis at ${where} within ${timeoutMs} ms (connectTimeoutMs); nothing was queued.`));
      },
      Math.min(timeoutMs, 2 ** 31 - 1),
    );
    client.once('ready', onReady);
  });
}

const corked = new WeakSet<object>();

/**
 * Holds `client`'s socket writes until this tick's microtasks have run, so that the commands
 * issued meanwhile (a job's outcome and BullMQ's completion after it; a burst of submits) leave
 * in one write instead of one system call each. Order is kept: a socket's writes are not reordered.
 */
export function batchWrites(client: RedisClient): void {
  const stream = (client as unknown as { stream?: { cork?: () => void; uncork?: () => void } }).stream;
  if (stream?.cork === undefined || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork!();
  });
}

/** The Lua scripts of threadkit's job records (keys.ts), defined on a client once. */
export interface Scripts {
  /** KEYS record, cancel; ARGV host, bullJobId. -> ['go'|'dup'|'ended'] or ['cancelled', cancelRecord]. */
  tkBeginBuffer(record: string, cancel: string, host: string, bullJobId: string): Promise<[Buffer, Buffer?]>;
  /** KEYS record, events; ARGV outcome, keepMs, endedEvent, expectHost ('' for any). -> 1 written, 0 already ended (or not on that host). */
  tkEnd(record: string, events: string, outcome: Buffer, keepMs: number, event: Buffer, expectHost: string): Promise<number>;
  /** KEYS record, cancel, cancels; ARGV cancelRecord, keepMs, message. -> [st|false, bj|false], or 0 when ended. */
  tkCancel(
    record: string,
    cancel: string,
    cancels: string,
    cancelRecord: Buffer,
    keepMs: number,
    message: Buffer,
  ): Promise<[string | null, string | null] | 0>;
  /** KEYS record, events; ARGV runningEvent: its target began (`began` in the record, and the event). */
  tkAnnounce(record: string, events: string, event: Buffer): Promise<number>;
  /** KEYS record; ARGV host, newBullJobId. -> 1 when it was running on that host and is queued again (at least once). */
  tkRequeue(record: string, host: string, bullJobId: string): Promise<number>;
  /** KEYS record; ARGV newBullJobId, keepMs. -> 1 when it never began (no running or ended record) and is marked queued under the new id. */
  tkRequeueUnbegun(record: string, bullJobId: string, keepMs: number): Promise<number>;
}

const BEGIN = `
local st = redis.call('HGET', KEYS[1], 'st')
if st == 'ended' then return {'ended'} end
if st == 'running' then return {'dup'} end
local c = redis.call('GET', KEYS[2])
if c then return {'cancelled', c} end
redis.call('HINCRBY', KEYS[1], 'starts', 1)
redis.call('HSET', KEYS[1], 'st', 'running', 'host', ARGV[1], 'bj', ARGV[2])
redis.call('PERSIST', KEYS[1])
return {'go'}
`;

const END = `
local st = redis.call('HGET', KEYS[1], 'st')
if st == 'ended' then return 0 end
if ARGV[4] ~= '' and (st ~= 'running' or redis.call('HGET', KEYS[1], 'host') ~= ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'st', 'ended', 'out', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 1
`;

const CANCEL = `
local st = redis.call('HGET', KEYS[1], 'st')
if st == 'ended' then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', KEYS[3], ARGV[3])
return {st or false, redis.call('HGET', KEYS[1], 'bj') or false}
`;

const ANNOUNCE = `
if redis.call('HGET', KEYS[1], 'st') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'began', '1')
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1
`;

const REQUEUE_UNBEGUN = `
local st = redis.call('HGET', KEYS[1], 'st')
if st == 'running' or st == 'ended' then return 0 end
redis.call('HSET', KEYS[1], 'st', 'queued', 'bj', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const REQUEUE = `
if redis.call('HGET', KEYS[1], 'st') ~= 'running' or redis.call('HGET', KEYS[1], 'host') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'st', 'queued', 'bj', ARGV[2])
redis.call('HDEL', KEYS[1], 'host', 'began')
return 1
`;

/** `client` with threadkit's scripts defined (EVALSHA, loaded again after a Redis restart by ioredis). */
export function withScripts(client: RedisClient): RedisClient & Scripts {
  client.defineCommand('tkBegin', { numberOfKeys: 2, lua: BEGIN });
  client.defineCommand('tkEnd', { numberOfKeys: 2, lua: END });
  client.defineCommand('tkCancel', { numberOfKeys: 3, lua: CANCEL });
  client.defineCommand('tkRequeue', { numberOfKeys: 1, lua: REQUEUE });
  client.defineCommand('tkAnnounce', { numberOfKeys: 2, lua: ANNOUNCE });
  client.defineCommand('tkRequeueUnbegun', { numberOfKeys: 1, lua: REQUEUE_UNBEGUN });
  return client as RedisClient & Scripts;
}

/** The client's connections, made on first use. @internal */
export interface ClientConnection {
  readonly cmd: RedisClient & Scripts;
  readonly sub: RedisClient;
  readonly queue: Queue;
  readonly subscribed: Promise<unknown>;
}
