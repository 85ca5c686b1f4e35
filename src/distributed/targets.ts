// Targets across machines: a module path relative to the client's root, resolved against the host's; a plain function as its source.

import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TaskError } from '../errors.js';
import { lookupTask, targetSpec, type Target } from '../backend/task.js';

/**
 * A target as it travels in a job. `module` is a path relative to the root (`rel: true`), an
 * absolute URL (a file outside the client's root), or a package specifier.
 */
export type TargetDescriptor =
  | { kind: 'task'; module: string; rel: boolean; key: string; name: string }
  | { kind: 'module'; module: string; rel: boolean; name: string }
  | { kind: 'source'; source: string; name: string };

/** A file URL under `root` as its relative path (`/` separated); anything else as it is. */
function fromRoot(module: string, root: string): { module: string; rel: boolean } {
  if (!module.startsWith('file:')) return { module, rel: false };
  const path = fileURLToPath(module);
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { module, rel: false };
  return { module: rel.split(sep).join('/'), rel: true };
}

/**
 * Describes `target` for a job (section 8.3).
 * @throws {TaskError} for a native or bound function or a class; {TypeError} for no target.
 */
export function describeTarget(target: unknown, owner: string, root: string): TargetDescriptor {
  const spec = targetSpec(target, owner);
  switch (spec.kind) {
    case 'task':
      return { kind: 'task', ...fromRoot(spec.module, root), key: spec.key, name: spec.name };
    case 'module':
      return { kind: 'module', ...fromRoot(spec.module, root), name: spec.name };
    case 'source':
      return { kind: 'source', source: spec.source, name: spec.name };
    default:
      throw new TypeError(`Unsupported target for ${owner}`);
  }
}

/** What the host runs for a descriptor, as a target of its local pool. */
export interface HostTargets {
  readonly root: string;
  readonly host: string;
  readonly acceptSource: boolean;
}

/** Functions compiled from source, by source: the pool compiles a target once per worker only when it is the same function. */
const compiled = new Map<string, Target>();

/** Module references already loaded on this host, by `url#name`: no import() per job. */
const references = new Map<string, Target>();

/**
 * The module's URL on this host: a relative path resolved against the host's root; a package
 * specifier resolved from the root as a file there would resolve it (CommonJS resolution, with
 * the package's `require` condition; left as it is when that fails, for an ESM-only export).
 */
function moduleUrl(module: string, rel: boolean, root: string): string {
  if (rel) return pathToFileURL(resolve(root, module)).href;
  if (/^[a-z][a-z0-9+.-]+:/i.test(module)) return module;
  try {
    const path = createRequire(join(root, 'package.json')).resolve(module);
    return isAbsolute(path) ? pathToFileURL(path).href : module;
  } catch {
    return module;
  }
}

/**
 * The local target for a job's descriptor.
 * @throws {TaskError} naming the module or task and the host when it cannot be found or loaded, or
 * for source text on a host with `acceptSource: false`.
 */
export async function resolveTarget(target: TargetDescriptor, where: HostTargets): Promise<Target> {
  switch (target.kind) {
    case 'source': {
      if (!where.acceptSource) {
        throw new TaskError(
          `Host ${where.host} does not run plain-function targets (acceptSource: false / --no-source): ${target.name || 'anonymous'} was sent as source text. ` +
            'Declare it with task(import.meta.url, fn) in a module that the host has under its root.',
        );
      }
      let fn = compiled.get(target.source);
      if (fn === undefined) {
        // The expression only evaluates to the function; the pool's worker runs it.
        fn = (0, eval)(target.source) as Target;
        if (compiled.size > 1000) compiled.clear();
        compiled.set(target.source, fn);
      }
      return fn;
    }
    case 'task': {
      const url = moduleUrl(target.module, target.rel, where.root);
      const known = lookupTask(url, target.key);
      if (known !== undefined) return known;
      try {
        await import(url);
      } catch (error) {
        throw new TaskError(`Host ${where.host} cannot load the module of task ${target.name} (${url}): ${(error as Error).message}`, {
          cause: error,
        });
      }
      const fn = lookupTask(url, target.key);
      if (fn === undefined) {
        throw new TaskError(
          `Host ${where.host} found no task ${target.name} (${target.key}) in ${url}: is its copy of the module the client's?`,
        );
      }
      return fn;
    }
    case 'module': {
      const url = moduleUrl(target.module, target.rel, where.root);
      const key = `${url}#${target.name}`;
      const loaded = references.get(key);
      if (loaded !== undefined) return loaded;
      let module: Record<string, unknown>;
      try {
        module = (await import(url)) as Record<string, unknown>;
      } catch (error) {
        throw new TaskError(`Host ${where.host} cannot load module ${url}: ${(error as Error).message}`, { cause: error });
      }
      if (typeof module[target.name] !== 'function') {
        throw new TaskError(`Host ${where.host}: module ${url} has no function export \`${target.name}\``);
      }
      const reference = { module: url, name: target.name };
      references.set(key, reference);
      return reference;
    }
  }
}
