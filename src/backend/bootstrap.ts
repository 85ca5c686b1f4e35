// The first code a new thread or child runs: registers the parent's loaders (tsx), then imports the entry.

import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the bootstrap needs to know, passed as data. */
export interface BootData {
  /**
   * URL of the entry: a bundled .cjs when threadkit runs built, the .ts source under tsx;
   * undefined in a bundled program, whose thread gets the entry's source instead (entrySource()).
   */
  readonly entry?: string;
  /** `--import` preloads of the parent, in order. */
  readonly preloads: readonly string[];
  /** Whether TypeScript modules will be imported (register tsx only then: it costs ~150 ms). */
  readonly typescript: boolean;
}

const TS = /\.(c|m)?tsx?$/;
const TSX_LOADER = /(^tsx$|^tsx\/esm$|[\\/]tsx[\\/]dist[\\/](loader|esm[\\/]index)\.mjs$)/;

/**
 * Where a thread or child's bootstrap keeps the preloads it was started with (BootData.preloads),
 * for the threads and children it starts in turn: a pool child runs without tsx in its execArgv
 * (childExecArgv) and registers it through its API, so its execArgv does not tell what it uses.
 */
const INHERITED = Symbol.for('threadkit.preloads');

/**
 * This program's `--import` preloads, in order, for a thread or child it starts: those this thread
 * or child was started with (see INHERITED); in the main program, those of its execArgv and NODE_OPTIONS.
 */
export function parentPreloads(): string[] {
  const inherited = (globalThis as { [INHERITED]?: unknown })[INHERITED];
  if (Array.isArray(inherited)) return [...(inherited as string[])];
  return importsOf([...process.execArgv, ...nodeOptions()]);
}

/** The words of NODE_OPTIONS. */
function nodeOptions(): string[] {
  return (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
}

/** The `--import` values among command-line words, in order, without repeats. */
function importsOf(words: readonly string[]): string[] {
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
  if (!keepTypeScript) return flags;
  // A child started by a pool child (whose execArgv has no tsx, see INHERITED) gets tsx back.
  const given = new Set(importsOf([...flags, ...nodeOptions()]));
  const missing = parentPreloads().filter((spec) => TSX_LOADER.test(spec) && !given.has(spec));
  return [...missing.flatMap((spec) => ['--import', spec]), ...flags];
}

// Where the entries are. Unbundled, each is a file next to threadkit's modules (entry/*.cjs, or the
// .ts source under tsx), loaded by its URL. In a program that bundles threadkit, import.meta.url
// is the bundle's (esbuild, Rollup, Vite, Bun), empty (esbuild's CommonJS output) or the path the
// module had when it was built (webpack), and no entry file comes along: the thread then gets the
// entry's source from entry/embedded.js, a module that only a bundle loads (a bundler inlines it
// or gives it a chunk of its own), so an unbundled program never reads it.

/** import.meta.url of this module: undefined or not this file's name in a bundle. */
const SELF: string | undefined = import.meta.url;
/** `typeof __webpack_require__` is "function" in a webpack bundle (webpack replaces it), "undefined" elsewhere. */
declare const __webpack_require__: unknown;

let bundledCache: boolean | undefined;

/**
 * Whether threadkit runs bundled into a program: its entry files are not where they would be.
 * Checked once, at the first start (a regular expression and one stat).
 */
export function bundled(): boolean {
  return (bundledCache ??=
    typeof __webpack_require__ === 'function' ||
    SELF === undefined ||
    !/[\\/]backend[\\/]bootstrap\.(js|ts)$/.test(SELF) ||
    !existsSync(fileURLToPath(new URL(`./entry/worker${isTypeScript(SELF) ? '.ts' : '.cjs'}`, SELF))));
}

/** The URL of entry `name` (worker or child) next to threadkit's modules; undefined when threadkit runs bundled. */
export function entryUrl(name: 'worker' | 'child'): string | undefined {
  if (bundled()) return undefined;
  return new URL(`./entry/${name}${isTypeScript(SELF!) ? '.ts' : '.cjs'}`, SELF).href;
}

/** The embedded entries once loaded (a bundle only). */
let embedded: { readonly worker: string; readonly child: string } | undefined;
let embedding: Promise<{ readonly worker: string; readonly child: string }> | undefined;

/**
 * The source of entry `name` for a bundled program: a string once the embedded copy has loaded,
 * a promise of it before (the first starts: a bundle loads it asynchronously, at most once).
 * The promise rejects with an error that says what is missing.
 */
export function entrySource(name: 'worker' | 'child'): string | Promise<string> {
  if (embedded !== undefined) return embedded[name];
  // In a promise: webpack's import() of a missing chunk throws at once rather than rejecting.
  embedding ??= new Promise<typeof import('./entry/embedded.js')>((resolve) => resolve(import('./entry/embedded.js'))).then(
    (module) => {
      if (typeof module.worker !== 'string' || typeof module.child !== 'string') {
        throw new Error(
          'threadkit was built without its embedded entries (dist/backend/entry/embedded.js): run `npm run build` in threadkit',
        );
      }
      return (embedded = { worker: module.worker, child: module.child });
    },
    (error: unknown) => {
      throw new Error(
        'threadkit runs bundled, and the chunk with its thread entries (built from threadkit/dist/backend/entry/embedded.js) ' +
          'could not be loaded: deploy every file the bundler wrote, not only the main one',
        { cause: error },
      );
    },
  );
  return embedding.then((entries) => entries[name]);
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
export function bootstrapSource(dataExpression: string, sourceExpression = 'undefined'): string {
  return `'use strict';
(async () => {
  const boot = ${dataExpression};
  // What this thread or child's own threads and children preload (bootstrap.ts parentPreloads()).
  globalThis[Symbol.for('threadkit.preloads')] = boot.preloads;
  // A bundled program sends the entry's source (entrySource()): a string, or a MessagePort that
  // will carry it (a worker), or 'ipc', its first IPC message (a child). The messages that come
  // before the entry listens are kept, and handed to it in order.
  const source = ${sourceExpression};
  const early = [];
  const keep = (message) => early.push(message);
  if (source === 'ipc') process.on('message', keep);
  const { pathToFileURL, fileURLToPath } = require('node:url');
  const base = pathToFileURL(process.cwd() + '/').href;
  // Where code run with -e has no import() (Deno), import through the bundled entry file instead.
  const load = async (specifier) => {
    try {
      return await import(specifier);
    } catch (error) {
      if (error?.code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' || !/\\.cjs$/.test(boot.entry ?? '')) throw error;
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
  let entry;
  if (boot.entry !== undefined) {
    entry = /\\.cjs$/.test(boot.entry) ? require(fileURLToPath(boot.entry)) : await import(boot.entry);
  } else {
    let text = source;
    if (text === 'ipc') {
      text = early.length > 0 ? early.shift() : await new Promise((resolve) => process.once('message', () => resolve(early.shift())));
    } else if (typeof text !== 'string') {
      text = await new Promise((resolve) => text.once('message', (message) => { text.close(); resolve(message); }));
    }
    if (typeof text !== 'string') throw text;
    const module = { exports: {} };
    new Function('exports', 'require', 'module', '__filename', '__dirname', text)(module.exports, require, module, 'threadkit-entry.cjs', process.cwd());
    entry = module.exports;
  }
  const running = entry.main(boot, async (specifier) => {
    if (${TS.toString()}.test(specifier.split('?')[0])) await registerTsx();
    return load(specifier);
  });
  if (source === 'ipc') {
    process.off('message', keep);
    for (const message of early.splice(0)) process.emit('message', message);
  }
  await running;
})();
`;
}
