// What a Queue item may be: the checks that refuse one (with their errors), around its bytes (item-codec.ts).

import { TaskError, describe } from '../errors.js';
import { encodePlain, encodeV8 } from './item-codec.js';
import { forbiddenInItem } from './walk.js';

/**
 * The tagged bytes of `item` (item-codec.ts): plain data by hand, the rest by v8's serializer.
 * @throws {TaskError} when it holds a SharedArrayBuffer, a shared object, a pool or a Future, or cannot be cloned.
 */
export function encodeItem(item: unknown): Uint8Array {
  try {
    const plain = encodePlain(item);
    if (plain !== undefined) return plain;
  } catch (error) {
    throw uncloneable(error); // a getter of the item threw
  }
  refuseForbidden(item);
  try {
    return encodeV8(item);
  } catch (error) {
    throw uncloneable(error);
  }
}

/**
 * `item`, unless it holds what a Queue item may not (a SharedArrayBuffer, a shared object, a pool, a Future).
 * @throws {TaskError} naming where it is.
 */
export function refuseForbidden<T>(item: T): T {
  const where = forbiddenInItem(item);
  if (where !== undefined) {
    throw new TaskError(
      `Cannot put ${where} in a Queue: items are copied by structured clone and may not hold SharedArrayBuffers, shared objects, pools or Futures. Pass shared things in \`args\` instead.`,
    );
  }
  return item;
}

/** The error of a put whose record (`recordBytes`, with its length prefix) is larger than the queue's `maxBytes` alone. */
export function tooLarge(recordBytes: number, maxBytes: number): TaskError {
  return new TaskError(
    `Cannot put the item in a Queue: it takes ${recordBytes} bytes serialized, more than the queue's maxBytes (${maxBytes}). ` +
      'Create the Queue with a larger maxBytes, or put smaller items.',
  );
}

function uncloneable(error: unknown): TaskError {
  return new TaskError(
    `Cannot put the item in a Queue: it cannot be cloned (${describe(error)}). Put data that structured clone can copy.`,
    {
      cause: error,
    },
  );
}
