// Inside a thread: find the target, run it, and say how it ended.

import { CancelledError, TaskError, describe } from '../errors.js';
import * as runtime from '../memory/runtime.js';
import { lookupTask } from './task.js';
import { isRaised } from '../memory/cancel-flag.js';
import type { Ending, TargetSpec, ThreadInfo } from '../wire/protocol.js';
import { serializeThrown } from '../wire/serialize.js';

export type Importer = (specifier: string) => Promise<Record<string, unknown>>;

/** The names a plain function sees besides its arguments and the globals. */
const IN_THREAD: Record<string, unknown> = {
  cancelled: runtime.cancelled,
  checkpoint: runtime.checkpoint,
  sleepSync: runtime.sleepSync,
  sleep: runtime.sleep,
  cancelSignal: runtime.cancelSignal,
  currentThread: runtime.currentThread,
  // tsx/esbuild's keepNames helper, found inside the source of functions compiled by tsx.
  __name: (fn: object, value: string) => Object.defineProperty(fn, 'name', { value, configurable: true }),
};

/**
 * threadkit's classes that start threads (a TaskScope nested in a task among them): a plain function
 * cannot use them, since the per-thread entry provides only the in-thread functions, not the whole
 * library (and a bundled program has no module to load it from); a task() function imports them.
 */
const MAIN_SIDE = new Set(['TaskScope', 'Thread', 'Process', 'ThreadPoolExecutor', 'ProcessPoolExecutor']);

/** The in-thread functions by their own names, without the helper: what a bundler's namespace object holds. */
const RUNTIME = Object.freeze(Object.fromEntries(Object.entries(IN_THREAD).filter(([name]) => name !== '__name')));
const RUNTIME_NAMES = Object.keys(RUNTIME).join('|');
/** `n.cancelled` (webpack: `(0, n.cancelled)()`; Rollup's CommonJS output: `threadkit.cancelled()`). */
const NAMESPACED = new RegExp(`(?<![\\w$.])([A-Za-z_$][\\w$]*)\\.(?:${RUNTIME_NAMES})(?![\\w$])`, 'g');
/** `cancelled2` (esbuild), `cancelled$1` (Rollup): an import renamed where two names collided in the bundle. */
const RENAMED = new RegExp(`(?<![\\w$.])(${RUNTIME_NAMES})(\\d+|\\$\\d+)(?![\\w$])`, 'g');
/** Words that cannot name a parameter. */
const RESERVED = new Set(
  (
    'this super arguments eval new import export default class function var let const if else for while do return ' +
    'typeof instanceof in of void delete throw try catch finally switch case break continue with yield await ' +
    'null true false undefined enum static implements interface package private protected public debugger'
  ).split(' '),
);

/**
 * The names under which a bundler left threadkit's in-thread functions in a plain function's
 * source, bound to them: a namespace object (`(0, n.cancelled)()`) or a renamed import
 * (`cancelled2`). Only names the source uses and no global has are bound; a parameter or a local
 * of the same name still shadows them, so a function that means something else is unchanged.
 */
function bundlerNames(source: string): Record<string, unknown> {
  const names: Record<string, unknown> = {};
  for (const [, namespace] of source.matchAll(NAMESPACED)) {
    if (!RESERVED.has(namespace!) && !(namespace! in globalThis) && !(namespace! in IN_THREAD)) names[namespace!] = RUNTIME;
  }
  for (const [renamed, name] of source.matchAll(RENAMED)) {
    if (!(renamed in globalThis)) names[renamed] = IN_THREAD[name!];
  }
  return names;
}

/** A target ready to call with its arguments. */
type Callable = (...args: unknown[]) => unknown;

/** Plain functions compiled in this thread, by source text: a pool worker compiles each once. */
const compiled = new Map<string, Callable>();
/** task() functions found in this thread, by module and key. */
const found = new Map<string, Callable>();
/** The key in `found` of each task() spec seen (a pool worker gets one spec object per target: no string per task). */
const foundKeys = new WeakMap<object, string>();

function foundKey(target: { key: string; module: string }): string {
  let key = foundKeys.get(target);
  if (key === undefined) foundKeys.set(target, (key = `${target.key}\0${target.module}`));
  return key;
}
/** How many plain-function sources this thread has compiled (for tests of the cache). */
export function compiledCount(): number {
  return compiledTotal;
}
let compiledTotal = 0;

/** Imports or rebuilds the target as a zero-argument call. */
export async function loadTarget(target: TargetSpec, args: unknown[], info: ThreadInfo, importer: Importer): Promise<() => unknown> {
  const cached = cachedTarget(target, info);
  const fn = cached ?? (await importTarget(target, info, importer));
  return function runTarget() {
    return fn(...args);
  };
}

/** The target when it needs no import (a plain function, compiled at most once; a task() already found), else undefined. */
export function cachedTarget(target: TargetSpec, info: ThreadInfo): Callable | undefined {
  switch (target.kind) {
    case 'task':
      return found.get(foundKey(target));
    case 'module':
      return undefined;
    case 'source': {
      let fn = compiled.get(target.source);
      if (fn === undefined) {
        fn = evaluate(target.source, `The target function of ${info.name}`, `${info.name}/${target.name || 'target'}`) as Callable;
        compiledTotal += 1;
        compiled.set(target.source, fn);
      }
      return fn;
    }
    case 'subclass': {
      const prototype: Record<string, unknown> = {};
      for (const [name, source] of Object.entries(target.methods)) {
        prototype[name] = evaluate(source, `${target.className}.${name}() of ${info.name}`, `${info.name}/${target.className}.${name}`);
      }
      const self = Object.assign(Object.create(prototype) as Record<string, unknown>, {
        name: info.name,
        ident: info.ident,
        daemon: info.daemon,
      });
      Object.assign(self, target.fields);
      return function runSubclass() {
        return (self.run as () => unknown)();
      };
    }
  }
}

/** Imports the module of a task() function or a module reference and finds the function. */
export async function importTarget(target: TargetSpec, info: ThreadInfo, importer: Importer): Promise<Callable> {
  switch (target.kind) {
    case 'task': {
      await importModule(target.module, `task \`${target.name}\``, info, importer);
      const fn = lookupTask(target.module, target.key);
      if (fn === undefined) {
        throw new TaskError(
          `Module ${target.module} did not declare task \`${target.name}\` when ${info.name} imported it. ` +
            'Call task(import.meta.url, fn) at the top level of the module, not inside a function or a condition.',
        );
      }
      found.set(foundKey(target), fn);
      return fn;
    }
    case 'module': {
      const namespace = await importModule(target.module, `export \`${target.name}\``, info, importer);
      if (!(target.name in namespace)) {
        throw new TaskError(
          `Module ${target.module} has no export \`${target.name}\` (${info.name}). ` +
            `Its exports are: ${Object.keys(namespace).join(', ') || 'none'}.`,
        );
      }
      const fn = namespace[target.name];
      if (typeof fn !== 'function') {
        throw new TaskError(`Export \`${target.name}\` of module ${target.module} is not a function (${typeof fn}).`);
      }
      return fn as Callable;
    }
    case 'source':
    case 'subclass':
      return cachedTarget(target, info)!;
  }
}

async function importModule(module: string, what: string, info: ThreadInfo, importer: Importer): Promise<Record<string, unknown>> {
  try {
    return await importer(module);
  } catch (error) {
    throw new TaskError(`Cannot load module ${module} for its ${what} in ${info.name}: ${describe(error)}`, { cause: error });
  }
}

function evaluate(expression: string, what: string, where: string): unknown {
  const body = `'use strict';\nreturn ${expression};\n//# sourceURL=threadkit:${encodeURI(where)}`;
  try {
    const names = { ...IN_THREAD, ...bundlerNames(expression) };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a plain-function target travels as source text: compiling it is the point.
    const compiled = new Function(...Object.keys(names), body) as (...inThread: unknown[]) => unknown;
    return compiled(...Object.values(names));
  } catch (error) {
    throw new TaskError(
      `${what} could not be rebuilt from its source text in the thread: ${describe(error)}. ` +
        'A plain function must be self-contained (no `super`, no private class members). ' +
        'Declare it with task(import.meta.url, fn) in its module instead.',
      { cause: error },
    );
  }
}

/**
 * A ReferenceError for a variable of the caller's scope, explained: plain functions travel as
 * source and see only their arguments, the globals and threadkit's in-thread functions.
 */
export function explainOutsideVariable(error: unknown, target: TargetSpec, info: ThreadInfo): unknown {
  if (target.kind !== 'source' && target.kind !== 'subclass') return error;
  if (!(error instanceof ReferenceError)) return error;
  const match = /^(\S+) is not defined$/.exec(error.message);
  if (match === null) return error;
  const variable = match[1]!;
  const what =
    target.kind === 'source'
      ? `The target function${target.name && target.name !== 'target' ? ` ${target.name}` : ''} of ${info.name}`
      : `${target.className}.run() of ${info.name}`;
  // webpack's production build calls an import through a namespace with shortened names: `(0, n.PW)()`.
  const bundled = target.kind === 'source' && new RegExp(`\\(0,\\s*${variable.replace(/\$/g, '\\$')}\\.`).test(target.source);
  const fix = bundled
    ? `\`${variable}\` looks like a bundler's name for an imported module (\`(0, ${variable}.name)()\`): with webpack, set ` +
      "`optimization: { mangleExports: false }` so that threadkit's in-thread functions keep their names, or run the code " +
      'from a module of its own with a { module, name } reference (README: Bundling).'
    : target.kind === 'source' && MAIN_SIDE.has(variable)
      ? `\`${variable}\` is threadkit's, but not one of its in-thread functions: declare the function with ` +
        'task(import.meta.url, fn) in a module that imports threadkit (README: Task scopes), so it keeps its imports.'
      : target.kind === 'source'
        ? `Pass \`${variable}\` in \`args\`, or declare the function with task(import.meta.url, fn) in its module so it keeps its imports.`
        : `Keep \`${variable}\` in a field (this.${variable} = ...) set in the constructor, or run a task() function instead.`;
  return new TaskError(
    `${what} uses \`${variable}\`, a variable from outside the function. It is sent to the thread as source text ` +
      `and sees only its arguments, JavaScript's globals and threadkit's in-thread functions. ${fix}`,
    { cause: error },
  );
}

/** How a thrown value ends task `id`: cancelled when it is the task's own cancellation, failed otherwise. */
export function ending(thrown: unknown, flag: Int32Array, id: number, target: TargetSpec, info: ThreadInfo): Ending {
  if (isRaised(flag, id) && isCancellation(thrown)) return { kind: 'cancelled', id };
  return { kind: 'failed', id, error: serializeThrown(explainOutsideVariable(thrown, target, info)) };
}

function isCancellation(thrown: unknown): boolean {
  if (thrown instanceof CancelledError) return true;
  if (typeof thrown !== 'object' || thrown === null) return false;
  const { code, name, cause } = thrown as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  return code === 'ERR_CANCELLED' || name === 'AbortError' || cause?.code === 'ERR_CANCELLED';
}
