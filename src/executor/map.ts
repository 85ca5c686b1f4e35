// Executor#map(): lazy, bounded in flight, ordered or not, chunked; stops on break and on the first error.

import { got } from '../errors.js';
import type { Future } from './future.js';
import { markHandled, settlementOf } from './future.js';
import { unwrap } from '../core/settlement.js';
import { validateOptions } from '../base/validate.js';

/** Options of `map()`. */
export interface MapOptions {
  /** Yield results in input order (default true), or as they end. */
  ordered?: boolean;
  /** Items per task (default 1): fewer messages for many small items. */
  chunkSize?: number;
  /**
   * The most tasks submitted whose results the loop has not yet received (Python 3.14's
   * `buffersize`), an integer >= 1; default 2 × maxWorkers. The input is read only to make such a
   * task, so never more than `bufferSize * chunkSize` items ahead; `1` runs one task at a time.
   */
  bufferSize?: number;
}

const MAP_KEYS = new Set(['ordered', 'chunkSize', 'bufferSize']);

/** Submits one task: `items` are the target's args (chunkSize 1), or a chunk with `each`. */
type SubmitChunk = (items: unknown[], each: boolean) => Future<unknown>;

interface InFlight {
  readonly future: Future<unknown>;
  readonly chunked: boolean;
}

/**
 * The results of `target(item)` for each item, computed in the pool. Validates now; reads the
 * input and submits only as it is iterated, at most `bufferSize` (default `defaultBuffer`) tasks at a time.
 */
export function mapTasks(submit: SubmitChunk, iterable: unknown, options: unknown, defaultBuffer: number): AsyncIterableIterator<unknown> {
  const { ordered = true, chunkSize = 1, bufferSize = defaultBuffer } = validateOptions(options, 'map()', MAP_KEYS) as MapOptions;
  if (typeof ordered !== 'boolean') throw new TypeError(`Expected \`ordered\` to be a boolean, ${got(ordered)}`);
  if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`Expected \`chunkSize\` to be an integer >= 1, ${got(chunkSize)}`);
  }
  if (typeof bufferSize !== 'number' || !Number.isInteger(bufferSize) || bufferSize < 1) {
    throw new RangeError(`Expected \`bufferSize\` to be an integer >= 1, ${got(bufferSize)}`);
  }
  const isAsync = typeof (iterable as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
  if (!isAsync && typeof (iterable as Iterable<unknown> | null)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`Expected \`iterable\` to be an iterable or an async iterable, ${got(iterable)}`);
  }
  return run(submit, iterable as Iterable<unknown> | AsyncIterable<unknown>, isAsync, ordered, chunkSize, bufferSize);
}

async function* run(
  submit: SubmitChunk,
  iterable: Iterable<unknown> | AsyncIterable<unknown>,
  isAsync: boolean,
  ordered: boolean,
  chunkSize: number,
  maxInFlight: number,
): AsyncGenerator<unknown> {
  const input = isAsync ? (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (iterable as Iterable<unknown>)[Symbol.iterator]();
  const inFlight: InFlight[] = [];
  /** Unordered: the ones that ended, in the order they ended. */
  const ended: InFlight[] = [];
  let wake: (() => void) | undefined;
  let exhausted = false;
  /** An error submitting (the pool was shut down): thrown once what is in flight is yielded. */
  let refused: { error: unknown } | undefined;

  const fill = async (): Promise<void> => {
    while (!exhausted && refused === undefined && inFlight.length < maxInFlight) {
      const items: unknown[] = [];
      while (items.length < chunkSize) {
        const next = await input.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        items.push(next.value);
      }
      if (items.length === 0) return;
      let entry: InFlight;
      try {
        entry = chunkSize === 1 ? { future: submit(items, false), chunked: false } : { future: submit([items], true), chunked: true };
      } catch (error) {
        refused = { error };
        return;
      }
      // Its failure is the loop's to throw (or, behind an earlier one, dropped with the rest): never reported elsewhere.
      markHandled(entry.future);
      inFlight.push(entry);
      if (!ordered) {
        void settlementOf(entry.future).ended.then(() => {
          ended.push(entry);
          wake?.();
        });
      }
    }
  };

  try {
    for (;;) {
      await fill();
      if (inFlight.length === 0) break;
      let entry: InFlight;
      if (ordered) {
        entry = inFlight[0]!;
        await settlementOf(entry.future).ended;
      } else {
        while (ended.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        entry = ended.shift()!;
      }
      inFlight.splice(inFlight.indexOf(entry), 1);
      // Throws the task's error (the finally below cancels the rest).
      const value = unwrap(settlementOf(entry.future).outcome!, entry.future.name);
      if (entry.chunked) yield* value as unknown[];
      else yield value;
    }
    if (refused !== undefined) throw refused.error;
  } finally {
    // Left early (break), or a task failed: the rest never run or get their cancel; nobody waits for them.
    // (Handled since they were submitted: what they end with is not reported as an unhandled failure.)
    for (const { future } of inFlight) future.cancel();
    if (!exhausted) await (input as AsyncIterator<unknown>).return?.();
  }
}
