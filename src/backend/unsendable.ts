// Why a start message could not be sent: the TaskError naming the value, for Thread and Process alike.

import { TaskError, describe } from '../errors.js';

/**
 * A DataCloneError for a value that failed to clone. An error that is not a clone error (a getter
 * that throws while the value is read) is kept as `cause`, so the TaskError can carry it.
 */
export function cloneFailure(error: unknown): DOMException {
  if (error instanceof DOMException && error.name === 'DataCloneError') return error;
  const failure = new DOMException(describe(error), 'DataCloneError');
  // v8.serialize() (a Process's start message) throws a plain Error for what it cannot clone.
  const v8CloneError = error instanceof Error && error.name === 'Error' && / could not be cloned\.$/.test(error.message);
  if (!v8CloneError) Object.defineProperty(failure, 'cause', { value: error, configurable: true, writable: true, enumerable: false });
  return failure;
}

/**
 * The TaskError of start() for a start message that could not be sent: `what` names the value
 * (`args[1] (an object)`), `error` is the DataCloneError from the transport. Its `cause` is the
 * original error: a getter's own error, or the clone error itself.
 */
export function unsendableError(name: string, kind: string, what: string, error: Error): TaskError {
  const cause: unknown = Object.hasOwn(error, 'cause') ? (error as { cause?: unknown }).cause : error;
  const where = kind.toLowerCase();
  const detail = sentence(error.message);
  if (cause !== error) {
    return new TaskError(
      `Cannot start ${name}: ${what} cannot be sent to the ${where}: reading it threw: ${detail} ` +
        'Arguments are read and copied by structured clone at start(); pass plain data.',
      { cause },
    );
  }
  if (where === 'process' && /SharedArrayBuffer/.test(error.message)) {
    return new TaskError(
      `Cannot start ${name}: ${what} cannot be sent to the process: shared memory cannot cross processes. ` +
        'Use a Thread to share it, or pass a copy (an ArrayBuffer or a typed array) to the Process.',
      { cause },
    );
  }
  const shared = where === 'thread' ? ' (and SharedArrayBuffers, which are shared)' : '';
  return new TaskError(
    `Cannot start ${name}: ${what} cannot be sent to the ${where}: ${detail} ` +
      `Arguments travel by structured clone: pass data${shared}, not functions, symbols or sockets.`,
    { cause },
  );
}

/**
 * The TaskError for a start or task message that could not be sent, naming the first of `args`
 * that cannot travel (`fallback` when none alone fails) as `<label>[i]`; any error other than a
 * clone failure is returned as it is. `kind` is 'Thread', 'Process', 'thread' or 'process'.
 */
export function unsendable(
  error: unknown,
  args: unknown[],
  sendable: (value: unknown) => boolean,
  who: string,
  kind: string,
  fallback: string,
  label = 'args',
): unknown {
  if (!(error instanceof Error) || error.name !== 'DataCloneError') return error;
  const index = args.findIndex((arg) => !sendable(arg));
  const what = index >= 0 ? `${label}[${index}] (${typeName(args[index])})` : fallback;
  return unsendableError(who, kind, what, error);
}

/** `a function f`, `a symbol`, `an object` (plain), `a Map`, `an Item`; the type of a primitive. */
export function typeName(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` ${value.name}` : ''}`;
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'object' && value !== null) {
    let ctor: string | undefined;
    try {
      const proto: unknown = Object.getPrototypeOf(value);
      ctor =
        proto === null || proto === Object.prototype ? undefined : ((value.constructor as { name?: unknown } | undefined)?.name as string);
    } catch {
      ctor = undefined;
    }
    return typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? withArticle(ctor) : 'an object';
  }
  return typeof value;
}

/** "a Map", "an Item". */
function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** The text as one sentence: ending in exactly one period. */
export function sentence(text: string): string {
  return `${text.replace(/[.\s]+$/, '')}.`;
}
