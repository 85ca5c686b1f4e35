// The parts of threadkit's API (API.md sections 5 and 7) that the pool and shared-object metrics use, and
// how they reach them at run time: through `ctx.tk`, so that the benchmark builds and runs (raw and
// peers) on a branch whose threadkit does not export them yet.
//
// This file is the only place that knows these types. Once the executors and shared objects are in the
// built package, replace the local interfaces below with the real ones (checked against the `pool` and
// `shared` branches' builds; the metrics need no change):
//   export type Future<R = unknown> = import('threadkit').Future<R>;
//   export type Executor = import('threadkit').Executor;
//   export type PoolApi = Pick<Threadkit, 'ThreadPoolExecutor' | 'ProcessPoolExecutor'>;
//   export type SharedApi = Pick<Threadkit, 'Event' | 'Lock' | 'Queue'>;
//   export type TkEvent = InstanceType<Threadkit['Event']>;
//   export type TkLock = InstanceType<Threadkit['Lock']>;
//   export type TkQueue<T = unknown> = import('threadkit').Queue<T>;
// import Threadkit from ./context.ts, drop ExecutorOptions, and return `ctx.tk` without the `as unknown as` casts
// in poolApi() / sharedApi().
import type { Context } from './context.ts';

/** API.md section 7: a Future is PromiseLike; cancel() of a running task raises its cancel flag only. */
export interface Future<R = unknown> extends PromiseLike<R> {
  readonly state: 'pending' | 'running' | 'cancelling' | 'ended';
  done(): boolean;
  result(timeoutMs?: number): Promise<R>;
  cancel(reason?: unknown): void;
  stop(options?: { graceMs?: number }): Promise<unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

export interface ExecutorOptions {
  maxWorkers?: number;
  minWorkers?: number;
  idleTimeoutMs?: number;
  maxQueued?: number;
  graceMs?: number;
  name?: string;
}

/** ThreadPoolExecutor and ProcessPoolExecutor: the same API. */
export interface Executor {
  submit<F extends AnyFunction>(target: F, ...args: Parameters<F>): Future<Awaited<ReturnType<F>>>;
  shutdown(options?: { cancelFutures?: boolean }): Promise<void>;
  stop(options?: { graceMs?: number }): Promise<void>;
  readonly stats: { workers: number; idle: number; busy: number; queued: number };
}

export interface PoolApi {
  ThreadPoolExecutor: new (options?: ExecutorOptions) => Executor;
  ProcessPoolExecutor: new (options?: ExecutorOptions) => Executor;
}

/** API.md section 5, the methods the metrics call. */
export interface TkEvent {
  set(): void;
  clear(): void;
  isSet(): boolean;
  waitSync(timeoutMs?: number): boolean;
}

export interface TkLock {
  acquireSync(timeoutMs?: number): boolean;
  release(): void;
  locked(): boolean;
}

export interface TkQueue<T = unknown> {
  putSync(item: T, timeoutMs?: number): void;
  getSync(timeoutMs?: number): T;
  put(item: T, timeoutMs?: number): Promise<void>;
  get(timeoutMs?: number): Promise<T>;
  readonly size: number;
  shutdown(options?: { immediate?: boolean }): void;
}

export interface SharedApi {
  Event: new () => TkEvent;
  Lock: new () => TkLock;
  Queue: new <T = unknown>(options?: { maxSize?: number; maxBytes?: number }) => TkQueue<T>;
}

/**
 * The executors when the built threadkit exports them; otherwise undefined, after a note saying which
 * metrics skipped their threadkit row (`what`).
 */
export function poolApi(ctx: Context, what: string): PoolApi | undefined {
  if (!ctx.tk) return undefined;
  if ('ThreadPoolExecutor' in ctx.tk && 'ProcessPoolExecutor' in ctx.tk) return ctx.tk as unknown as PoolApi;
  ctx.note(`${what}: threadkit does not export ThreadPoolExecutor/ProcessPoolExecutor yet; its rows were skipped.`);
  return undefined;
}

/** The shared objects when the built threadkit exports them; otherwise undefined, after a note. */
export function sharedApi(ctx: Context, what: string): SharedApi | undefined {
  if (!ctx.tk) return undefined;
  if ('Event' in ctx.tk && 'Lock' in ctx.tk && 'Queue' in ctx.tk) return ctx.tk;
  ctx.note(`${what}: threadkit does not export Event/Lock/Queue yet; its rows were skipped.`);
  return undefined;
}
