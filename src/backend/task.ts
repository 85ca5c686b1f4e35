// Task forms: task(moduleUrl, fn), plain functions sent by source, and { module, name } references.

import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskError, got } from '../errors.js';
import { bundled } from './bootstrap.js';
import type { TargetSpec } from '../wire/protocol.js';

/** A reference to an export of a module: `{ module, name? }`, `name` defaulting to `'default'`. */
export interface ModuleRef {
  readonly module: URL | string;
  readonly name?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** What a Thread or Process can run. */
export type Target = AnyFunction | ModuleRef;

const TASK = Symbol.for('threadkit.task.v1');
const REGISTRY = Symbol.for('threadkit.registry.v1');

interface TaskMark {
  readonly module: string;
  readonly key: string;
}

/** moduleUrl -> key -> fn, on globalThis so every copy of threadkit in a thread shares it. */
function registry(): Map<string, Map<string, AnyFunction>> {
  const holder = globalThis as Record<symbol, Map<string, Map<string, AnyFunction>> | undefined>;
  return (holder[REGISTRY] ??= new Map<string, Map<string, AnyFunction>>());
}

/**
 * Declares `fn` runnable in a thread from its own module and returns `fn` itself, still callable
 * in place with its types. The thread imports `moduleUrl` and runs the same function, so imports,
 * module-scope helpers and TypeScript (under tsx) work. Call it at the top level of the module,
 * as `task(import.meta.url, function name(...) { ... })`.
 * @throws {TypeError} when `moduleUrl` is not a URL string or `fn` is not a function.
 * @example
 * export const countdown = task(import.meta.url, function countdown(n: number) { ... });
 */
export function task<F extends AnyFunction>(moduleUrl: string | URL, fn: F): F {
  const module = moduleUrl instanceof URL ? moduleUrl.href : moduleUrl;
  if (typeof module !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(module)) {
    throw new TypeError(`Expected \`moduleUrl\` to be import.meta.url (a URL string), ${got(moduleUrl)}`);
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`Expected \`fn\` to be a function, ${got(fn)}`);
  }
  let tasks = registry().get(module);
  if (tasks === undefined) registry().set(module, (tasks = new Map<string, AnyFunction>()));
  const existing = (fn as unknown as Record<symbol, TaskMark | undefined>)[TASK];
  if (existing !== undefined && existing.module === module) return fn;
  const base = fn.name || 'anonymous';
  let ordinal = 0;
  while (tasks.has(`${base}#${ordinal}`)) ordinal += 1;
  const key = `${base}#${ordinal}`;
  tasks.set(key, fn);
  Object.defineProperty(fn, TASK, { value: { module, key } satisfies TaskMark });
  return fn;
}

/** The function registered as `key` by `task()` in `module`, once that module has been imported here. */
export function lookupTask(module: string, key: string): AnyFunction | undefined {
  return registry().get(module)?.get(key);
}

/**
 * Checks a target at construction and describes how the thread will find it.
 * @throws {TaskError} for native or bound functions and classes.
 * @throws {TypeError} for anything that is none of the three forms.
 */
export function targetSpec(target: unknown, owner: string): TargetSpec {
  if (typeof target === 'function') {
    const mark = (target as unknown as Record<symbol, TaskMark | undefined>)[TASK];
    if (mark !== undefined) {
      checkTaskModule(mark.module, target.name || 'anonymous', owner);
      return { kind: 'task', module: mark.module, key: mark.key, name: target.name };
    }
    return { kind: 'source', source: functionSource(target as AnyFunction, `The target of ${owner}`), name: target.name };
  }
  if (typeof target === 'object' && target !== null && 'module' in target) {
    const ref = target as ModuleRef;
    const name = ref.name ?? 'default';
    if (typeof name !== 'string') throw new TypeError(`Expected \`target.name\` to be an export name (string), ${got(name)}`);
    return { kind: 'module', module: resolveModule(ref.module), name };
  }
  throw new TypeError(
    `Expected \`target\` to be a function, a task() function or a { module, name } reference, ${got(target)}. ` +
      'Pass a target, or subclass Thread and override run().',
  );
}

/**
 * Refuses a task() function that a thread could only run by running the program again: one
 * declared in the program's main module (its thread would import that module, top level and
 * all, in every thread, recursively), and any in a bundled program (its module is the bundle, or
 * a path that webpack baked in at build time).
 * @throws {TaskError} saying what to do instead.
 */
function checkTaskModule(module: string, name: string, owner: string): void {
  if (bundled()) {
    if (typeof __webpack_require__ === 'function' || isMainModule(module)) {
      throw new TaskError(
        `The target of ${owner} is the task() function ${name}, which cannot work in a bundled program: its module ` +
          `(${module}) is ${isMainModule(module) ? 'the bundle itself, which a thread would run again from the top' : 'a path from the build, not the bundle'}. ` +
          'Pass a plain, self-contained function as the target (it is sent as source), or build the task into a module ' +
          'of its own outside the bundle and run it with a { module, name } reference.',
      );
    }
    return;
  }
  if (isMainModule(module)) {
    throw new TaskError(
      `The target of ${owner} is the task() function ${name}, declared in the program's main module (${module}): ` +
        "a thread imports a task's module, which would run the whole program again in every thread. " +
        'Move the task into a module of its own (e.g. tasks.ts) and import it from here.',
    );
  }
}

/** `typeof __webpack_require__` is "function" in a webpack bundle (webpack replaces it), "undefined" elsewhere. */
declare const __webpack_require__: unknown;

let main: ReadonlySet<string> | undefined;

/**
 * Whether `module` (a task's module URL) is the program's main module: process.argv[1] resolved
 * as Node resolves it, links followed (as import.meta.url has them) or not (--preserve-symlinks-main).
 * Found once.
 */
export function isMainModule(module: string): boolean {
  return (main ??= findMain(process.argv[1])).has(module);
}

function findMain(script: string | undefined): Set<string> {
  if (script === undefined || script === '' || script.startsWith('-')) return new Set();
  for (const extension of ['', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']) {
    try {
      const path = resolve(script + extension);
      if (statSync(path).isFile()) return new Set([pathToFileURL(path).href, pathToFileURL(realpathSync(path)).href]);
    } catch {
      // Not this one.
    }
  }
  return new Set();
}

/** A module reference as the thread imports it: a file URL, or a bare specifier resolved from the working directory. */
function resolveModule(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw new TypeError(`Expected \`target.module\` to be a URL, a path or a package name, ${got(module)}`);
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(module)) return module;
  if (isAbsolute(module) || module.startsWith('./') || module.startsWith('../')) {
    return pathToFileURL(resolve(module)).href;
  }
  return module;
}

/**
 * The source text of a plain function (or method) as an expression that evaluates to it.
 * @throws {TaskError} for native and bound functions and classes, which have no usable source.
 */
export function functionSource(fn: AnyFunction, what: string): string {
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TaskError(
      `${what} is a native or bound function (${fn.name || 'anonymous'}), which cannot be sent to a thread as source. ` +
        'Pass a plain function that calls it, or declare a function with task(import.meta.url, fn) in its module.',
    );
  }
  if (/^class\b/.test(source)) {
    throw new TaskError(
      `${what} is a class (${fn.name || 'anonymous'}); a thread runs a function. ` +
        'Pass a function, or subclass Thread and override run().',
    );
  }
  if (/^(async\s*)?(function\b|\(|[\w$]+\s*=>)/.test(source)) return `(${source})`;
  // Method shorthand (`run(n) { ... }`, `async *gen() { ... }`, `[key]() { ... }`): evaluate it inside an object literal.
  return `((o) => o[Reflect.ownKeys(o)[0]])({ ${source} })`;
}
