// A program bundled with threadkit inlined runs Threads, Processes and both pools from any directory,
// with no configuration; a module task in a bundle is refused with a TaskError that says why; an
// unbundled program never loads the copy of the entries embedded for bundles (API.md §12).
//
// The program (test/fixtures/bundle-app/) is bundled by esbuild and by webpack from a copy of it
// and of the built package in a temporary directory, which is removed before the bundles run (so
// nothing they could have baked in exists, as on another machine), and each bundle runs from
// another empty directory with no node_modules around. With a Bun binary (THREADKIT_BUN, as
// .ci/smoke-runtimes gives it, or `bun` on the PATH) the esbuild bundle and a `bun build` bundle
// also run on Bun.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import webpack from 'webpack';
import { ROOT, fixture } from './support/child.ts';

const T = { timeout: 120_000 };

/** What the program prints, bundled any way. */
const EXPECTED = {
  thread: 5,
  process: 6,
  processPid: true,
  thread2: 'OK',
  process2: 'ok',
  threadPool: [10, 20, 30],
  processPool: [100, 200, 300],
  cancel: { slept: false, cancelled: true },
};

const work = mkdtempSync(join(tmpdir(), 'threadkit-bundling-'));
/** The program's sources and a copy of the built package: what a user has where they bundle. */
const project = join(work, 'project');
/** An empty directory the bundles run from. */
const elsewhere = join(work, 'elsewhere');

/** Copies the program and the built package (package.json, dist/) into `dir/node_modules/threadkit`. */
function makeProject(dir: string, options: { withoutEmbedded?: boolean } = {}): void {
  mkdirSync(join(dir, 'node_modules', 'threadkit'), { recursive: true });
  for (const name of readdirSync(fixture('bundle-app'))) cpSync(join(fixture('bundle-app'), name), join(dir, name));
  cpSync(join(ROOT, 'package.json'), join(dir, 'node_modules', 'threadkit', 'package.json'));
  cpSync(join(ROOT, 'dist'), join(dir, 'node_modules', 'threadkit', 'dist'), { recursive: true });
  if (options.withoutEmbedded) rmSync(join(dir, 'node_modules', 'threadkit', 'dist', 'backend', 'entry', 'embedded.js'), { force: true });
}

async function esbuildBundle(out: string): Promise<string> {
  await build({
    absWorkingDir: project,
    entryPoints: ['main.mjs'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(out, 'app.mjs'),
    logLevel: 'silent',
  });
  return join(out, 'app.mjs');
}

/** webpack with what a Node program needs (`--target node --mode production`) and the README's `mangleExports: false`. */
async function webpackBundle(out: string): Promise<string> {
  const compiler = webpack({
    mode: 'production',
    target: 'node',
    context: project,
    entry: './main.mjs',
    output: { path: out, filename: 'app.js' },
    // The README's recipe: keeps the names of threadkit's exports, which a plain function that
    // calls cancelled() or sleepSync() refers to in its source (production mode shortens them).
    optimization: { mangleExports: false },
  });
  const stats = await new Promise<webpack.Stats | undefined>((resolve, reject) =>
    compiler.run((error, result) => (error ? reject(error) : resolve(result))),
  );
  await new Promise((resolve) => compiler.close(resolve));
  assert.ok(stats !== undefined && !stats.hasErrors(), stats?.toString({ all: false, errors: true }));
  return join(out, 'app.js');
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command args` from `cwd` and collects its output. */
async function run(command: string, args: string[], cwd: string): Promise<Ran> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** The program's report, checked: everything ran, and the module task was refused for being bundled. */
function checkReport(ran: Ran, bundler: string): void {
  assert.equal(ran.code, 0, `the ${bundler} bundle failed:\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`);
  const { moduleTask, ...rest } = JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.deepEqual(rest, EXPECTED);
  assert.match(String(moduleTask), /^TaskError: .*task\(\) function .*cannot work in a bundled program/);
  assert.match(String(moduleTask), /plain, self-contained function .* \{ module, name \} reference/);
}

const bundles: Record<string, string> = {};

before(async () => {
  makeProject(project);
  mkdirSync(elsewhere);
  bundles.esbuild = await esbuildBundle(join(work, 'esbuild'));
  bundles.webpack = await webpackBundle(join(work, 'webpack'));
  const bun = bunBinary();
  if (bun !== undefined) {
    execFileSync(bun, ['build', 'main.mjs', '--target=bun', '--outfile', join(work, 'bun', 'app.mjs')], { cwd: project, stdio: 'pipe' });
    bundles.bun = join(work, 'bun', 'app.mjs');
  }
  // As on another machine: nothing the bundlers read is left.
  rmSync(project, { recursive: true });
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('bundling', () => {
  test(
    'an esbuild bundle (--bundle --platform=node --format=esm) runs Threads, Processes and both pools from another directory',
    T,
    async () => {
      checkReport(await run(process.execPath, [bundles.esbuild!], elsewhere), 'esbuild');
    },
  );

  test(
    'a webpack bundle (--target node --mode production, with its chunk) runs Threads, Processes and both pools from another directory',
    T,
    async () => {
      checkReport(await run(process.execPath, [bundles.webpack!], elsewhere), 'webpack');
    },
  );

  test('a webpack bundle deployed without its chunk fails its threads saying so', T, async () => {
    const dir = join(work, 'webpack-main-only');
    mkdirSync(dir);
    cpSync(bundles.webpack!, join(dir, 'app.js'));
    const ran = await run(process.execPath, [join(dir, 'app.js')], elsewhere);
    assert.notEqual(ran.code, 0);
    assert.match(
      ran.stderr,
      /ThreadCrashedError.*threadkit runs bundled, and the chunk with its thread entries .* could not be loaded: deploy every file the bundler wrote/,
    );
  });

  test('an unbundled program never loads the embedded entries', T, async () => {
    // The same program, unbundled, on a copy of the package without dist/backend/entry/embedded.js.
    const dir = join(work, 'unbundled');
    makeProject(dir, { withoutEmbedded: true });
    const ran = await run(process.execPath, ['main.mjs'], dir);
    assert.equal(ran.code, 0, `stdout: ${ran.stdout}\nstderr: ${ran.stderr}`);
    const { moduleTask, ...rest } = JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.deepEqual(rest, EXPECTED);
    // Unbundled, a task in a module of its own works.
    assert.equal(moduleTask, 'accepted');
  });

  test('on Bun: the esbuild bundle and a `bun build` bundle', T, async (t) => {
    const bun = bunBinary();
    if (bun === undefined) {
      t.skip('no bun binary (set THREADKIT_BUN; .ci/smoke-runtimes runs this with one)');
      return;
    }
    checkReport(await run(bun, [bundles.esbuild!], elsewhere), 'esbuild (on Bun)');
    checkReport(await run(bun, [bundles.bun!], elsewhere), 'bun build');
  });
});

/** THREADKIT_BUN (which must then exist), or `bun` on the PATH, or undefined. */
function bunBinary(): string | undefined {
  const given = process.env.THREADKIT_BUN;
  if (given !== undefined && given !== '') {
    assert.ok(existsSync(given), `THREADKIT_BUN=${given} does not exist`);
    return given;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'bun'))) return join(dir, 'bun');
  }
  return undefined;
}
