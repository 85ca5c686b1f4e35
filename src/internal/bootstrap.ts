// The first code a new thread or child runs: registers the parent's loaders (tsx), then imports the entry.

import { extname } from 'node:path';

/** What the bootstrap needs to know, passed as data. */
export interface BootData {
  /** URL of the entry: a bundled .cjs when threadkit runs built, the .ts source under tsx. */
  readonly entry: string;
  /** `--import` preloads of the parent, in order. */
  readonly preloads: readonly string[];
  /** Whether TypeScript modules will be imported (register tsx only then: it costs ~150 ms). */
  readonly typescript: boolean;
}

const TS = /\.(c|m)?tsx?$/;
const TSX_LOADER = /(^tsx$|^tsx\/esm$|[\\/]tsx[\\/]dist[\\/](loader|esm[\\/]index)\.mjs$)/;

/** The parent's `--import` preloads, from its execArgv and NODE_OPTIONS, in order. */
export function parentPreloads(): string[] {
  const words = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
  const preloads: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    if (word === '--import' && words[i + 1] !== undefined) preloads.push(words[++i]!);
    else if (word.startsWith('--import=')) preloads.push(word.slice('--import='.length));
  }
  return [...new Set(preloads)];
}

/**
 * `execArgv` for a child running the bootstrap: the parent's flags, less those that make no sense
 * for `-e` (its own -e/-p script, REPL, test runner, watch, inspector), and less tsx when the child's own code is JavaScript:
 * its thread registers tsx only if the target is TypeScript, which saves ~150 ms per child.
 */
export function childExecArgv(keepTypeScript: boolean): string[] {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i]!;
    // The parent's own script given with -e / -p is not the child's.
    if (/^(-e|--eval|-p|--print)$/.test(flag)) {
      i += 1;
      continue;
    }
    const valued = (flag === '--import' || flag === '--require' || flag === '-r') && i + 1 < argv.length;
    const value = valued ? argv[i + 1]! : flag.replace(/^--(import|require)=/, '');
    if (/^(--(test|watch|inspect|debug|eval|print|input-type|experimental-test|interactive|check)|-[ic])/.test(flag)) continue;
    if (!keepTypeScript && /^(--import|--require|-r)(=|$)/.test(flag) && /(^tsx$|^tsx\/|[\\/]tsx[\\/]dist[\\/])/.test(value)) {
      if (valued) i += 1;
      continue;
    }
    flags.push(flag);
    if (valued) flags.push(argv[++i]!);
  }
  return flags;
}

/** The URL of entry `name` (worker or child) next to `base` (import.meta.url of a transport). */
export function entryUrl(name: 'worker' | 'child', base: string): string {
  return new URL(`../entry/${name}${isTypeScript(base) ? '.ts' : '.cjs'}`, base).href;
}

/** Whether importing `url` needs a TypeScript loader. */
export function isTypeScript(url: string): boolean {
  return TS.test(extname(url.split('?')[0]!));
}

/**
 * Source of the bootstrap, run as a CommonJS script (`eval` in a Worker, `-e` in a child), where
 * `import()` resolves bare specifiers from the working directory. `dataExpression` is a JS
 * expression evaluating to a BootData; the entry's `main(bootData)` then takes over.
 */
export function bootstrapSource(dataExpression: string): string {
  return `'use strict';
(async () => {
  const boot = ${dataExpression};
  const { pathToFileURL, fileURLToPath } = require('node:url');
  const base = pathToFileURL(process.cwd() + '/').href;
  // Where code run with -e has no import() (Deno), import through the bundled entry file instead.
  const load = async (specifier) => {
    try {
      return await import(specifier);
    } catch (error) {
      if (error?.code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' || !/\\.cjs$/.test(boot.entry)) throw error;
      return require(fileURLToPath(boot.entry)).load(specifier);
    }
  };
  const tsx = ${TSX_LOADER.toString()};
  // A child process that needs TypeScript ran tsx already (same execArgv); a worker never does.
  let tsxReady = boot.typescript && require('node:worker_threads').isMainThread;
  // A worker does not run the parent's --import preloads, and tsx does not register itself
  // there: register it through its API, at start when the target is TypeScript, or when a pool
  // worker first imports a TypeScript module (see the importer below).
  const registerTsx = async () => {
    if (tsxReady) return;
    tsxReady = true;
    for (const spec of boot.preloads) {
      if (!tsx.test(spec)) continue;
      const url = /^[./]/.test(spec) ? new URL(spec, base).href : spec;
      const api = /^tsx/.test(spec) ? 'tsx/esm/api' : new URL('./esm/api/index.mjs', url).href;
      (await load(api)).register();
    }
  };
  for (const spec of boot.preloads) {
    if (tsx.test(spec)) continue;
    await load(/^[./]/.test(spec) ? new URL(spec, base).href : spec);
  }
  if (boot.typescript) await registerTsx();
  // The built entries are bundled CommonJS (scripts/bundle-entries.mjs): require() skips the ES module loader.
  const entry = /\\.cjs$/.test(boot.entry) ? require(fileURLToPath(boot.entry)) : await import(boot.entry);
  await entry.main(boot, async (specifier) => {
    if (${TS.toString()}.test(specifier.split('?')[0])) await registerTsx();
    return load(specifier);
  });
})();
`;
}
