// What every metric group gets: the run mode, threadkit (when it is built), and a way to leave a note.
import type { PoolImpl, Result } from './results.ts';
import { POOL_PEERS } from './results.ts';

export type Threadkit = typeof import('threadkit');

export interface Context {
  /** `--quick`: the same metrics with fewer samples. */
  quick: boolean;
  /** The built package, or undefined when dist/ is missing (threadkit rows are then skipped). */
  tk: Threadkit | undefined;
  /** Prints a note under the results table (skipped metrics, caveats). */
  note(message: string): void;
}

/** A metric group: measures its metrics for every implementation it can and returns the result rows. */
export type Group = (ctx: Context) => Promise<Result[]>;

/** Loads threadkit as a user would (package self-reference to dist/), or undefined when it is not built. */
export async function loadThreadkit(): Promise<Threadkit | undefined> {
  try {
    return await import('threadkit');
  } catch (error) {
    console.error(`threadkit could not be loaded (run \`npm run build\`): ${(error as Error).message}`);
    return undefined;
  }
}

/** threadkit (when loaded), raw, and optionally the pool peers. */
export function impls(ctx: Context, withPeers: boolean): PoolImpl[] {
  return [...(ctx.tk ? (['threadkit'] as const) : []), 'raw', ...(withPeers ? POOL_PEERS : [])];
}

/** `quick` or `full` sample counts. */
export const pick = <T>(ctx: Context, quick: T, full: T): T => (ctx.quick ? quick : full);
