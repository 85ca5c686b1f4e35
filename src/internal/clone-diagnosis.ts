// Clone diagnosis: turns a DataCloneError of a start or task message into a TaskError naming the argument.

import { TaskError } from '../errors.js';

/**
 * A TaskError saying which of `args` cannot be sent (or `fallback` when none alone fails), with
 * the clone error as its cause; any other error is returned as it is.
 */
export function unsendable(error: unknown, args: unknown[], sendable: (value: unknown) => boolean, who: string, where: string, fallback: string): unknown {
  if (!(error instanceof Error) || error.name !== 'DataCloneError') return error;
  const index = args.findIndex((arg) => !sendable(arg));
  const what = index >= 0 ? `args[${index}] (${typeName(args[index])})` : fallback;
  return new TaskError(
    `Cannot start ${who}: ${what} cannot be sent to the ${where}: ${error.message.replace(/\.$/, '')}. ` +
      'Arguments travel by structured clone: pass data (and SharedArrayBuffers), not functions, symbols or sockets.',
    { cause: error },
  );
}

export function typeName(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` ${value.name}` : ''}`;
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'object' && value !== null) return `a ${value.constructor?.name ?? 'object'}`;
  return typeof value;
}
