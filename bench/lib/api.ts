// The parts of threadkit's API (API.md sections 5 and 7) that the pool and shared-object metrics use,
// and how they reach them: through `ctx.tk` (undefined when the package is not built).
import type { Context, Threadkit } from './context.ts';

export type Future<R = unknown> = import('threadkit').Future<R>;
export type Executor = import('threadkit').Executor;
export type PoolApi = Pick<Threadkit, 'ThreadPoolExecutor' | 'ProcessPoolExecutor'>;
export type SharedApi = Pick<Threadkit, 'Event' | 'Lock' | 'Queue'>;
export type TkEvent = InstanceType<Threadkit['Event']>;
export type TkLock = InstanceType<Threadkit['Lock']>;
export type TkQueue<T = unknown> = import('threadkit').Queue<T>;

/** The executors of the built threadkit; undefined when it is not built (its rows are skipped; `what` names them). */
export function poolApi(ctx: Context, what: string): PoolApi | undefined {
  if (!ctx.tk) ctx.note(`${what}: threadkit is not built; its rows were skipped.`);
  return ctx.tk;
}

/** The shared objects of the built threadkit; undefined when it is not built. */
export function sharedApi(ctx: Context, what: string): SharedApi | undefined {
  if (!ctx.tk) ctx.note(`${what}: threadkit is not built; its rows were skipped.`);
  return ctx.tk;
}
