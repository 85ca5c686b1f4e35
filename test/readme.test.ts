// Every ```ts block of README.md type-checks against the built package, and the complete programs among them run.
//
// How it works, and how to write a README block that it checks:
// - Each fenced block whose info string is `ts` (also indented, inside a list) is written to a
//   file in a temporary folder inside the repository (so `import 'threadkit'` resolves through
//   the package's self-reference to dist/), removed afterwards. Each file is a module.
// - A block whose first line is a path comment (`// tasks/countdown.ts`) is written at that path,
//   so other blocks can import it (`import { countdown } from './tasks/countdown.ts'`).
// - A fragment may use names it does not declare: those listed in PRELUDE below (threadkit's
//   in-thread functions, `countdown`, `net`, `logger`, ...) get a typed preamble, added only for
//   the names the compiler reports missing. Add a name there when a new block needs one.
// - All files are type-checked at once by the repository's compiler (node_modules/.bin/tsc) with
//   the repository's compiler options (tsconfig.json). An error fails the test with the README
//   line it is on.
// - By default a block is also run (`node --import tsx`, from the repository root, exit code 0
//   within RUN_TIMEOUT_MS, nothing reported by the excepthook) when it is a complete program:
//   it needs no preamble and is not a path-named module. An HTML comment on the line before the
//   fence changes that: `<!-- readme-check: no-run -->` (type-check only),
//   `<!-- readme-check: run -->` (must run; it fails if the block needs a preamble), or
//   `<!-- readme-check: skip -->` (neither; say why in the README's text).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT } from './support/child.ts';

const README = join(ROOT, 'README.md');
const RUN_TIMEOUT_MS = 30_000;

/** Declarations for free names that README fragments use, keyed by the name. */
const PRELUDE: Record<string, string> = {
  task: "import { task } from 'threadkit';",
  cancelled: "import { cancelled } from 'threadkit';",
  checkpoint: "import { checkpoint } from 'threadkit';",
  sleepSync: "import { sleepSync } from 'threadkit';",
  sleep: "import { sleep } from 'threadkit';",
  cancelSignal: "import { cancelSignal } from 'threadkit';",
  currentThread: "import { currentThread } from 'threadkit';",
  Thread: "import { Thread } from 'threadkit';",
  Process: "import { Process } from 'threadkit';",
  net: "import net from 'node:net';",
  once: "import { once } from 'node:events';",
  countdown: 'declare const countdown: (n: number, periodMs?: number) => void;',
  logger: 'declare const logger: { error(...values: unknown[]): void };',
  resize: 'declare const resize: (image: Uint8Array, width: number) => Uint8Array;',
  image: 'declare const image: Uint8Array;',
  images: 'declare const images: Uint8Array[];',
  save: 'declare const save: (image: Uint8Array) => void;',
  g: "declare const g: import('threadkit').Future<Uint8Array>;",
};

type Mode = 'default' | 'run' | 'no-run' | 'skip';

interface Block {
  /** README line of the block's first line of code (1-based). */
  readonly line: number;
  readonly code: string;
  readonly mode: Mode;
  /** Where it is written, relative to the temporary folder. */
  readonly file: string;
  /** Named by a path comment: a module other blocks import. */
  readonly named: boolean;
  /** Preamble lines, filled from PRELUDE after the first check. */
  preamble: string[];
}

/** The ```ts blocks of `text`, with their README line and the readme-check comment before each. */
export function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let end = i + 1;
    for (; end < lines.length && !/^\s*```\s*$/.test(lines[end]!); end += 1) body.push(lines[end]!.slice(indent));
    assert.ok(end < lines.length, `README.md:${i + 1}: a \`\`\`ts block that is never closed`);
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before -= 1;
    const directive = /^\s*<!--\s*readme-check:\s*([\w-]+)\s*-->\s*$/.exec(before >= 0 ? lines[before]! : '');
    const mode = (directive?.[1] ?? 'default') as Mode;
    assert.ok(['default', 'run', 'no-run', 'skip'].includes(mode), `README.md:${before + 1}: unknown readme-check mode \`${mode}\``);
    const path = /^\/\/\s*([\w./-]+\.ts)\s*$/.exec(body[0] ?? '')?.[1];
    const line = i + 2;
    blocks.push({ line, code: body.join('\n'), mode, file: path ?? `readme-line-${line}.ts`, named: path !== undefined, preamble: [] });
    i = end;
  }
  return blocks;
}

interface Diagnostic {
  readonly block: Block | undefined;
  /** README line, when the error is in a block's own code. */
  readonly readmeLine: number | undefined;
  readonly text: string;
}

/** Writes the blocks into `dir` and runs the repository's tsc on them; resolves with the errors. */
async function typecheck(dir: string, blocks: Block[]): Promise<Diagnostic[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: relative(dir, join(ROOT, 'tsconfig.json')), include: ['**/*.ts'] }, null, 2),
  );
  for (const block of blocks) {
    const file = join(dir, block.file);
    mkdirSync(dirname(file), { recursive: true });
    // Each file is a module: top-level await works and names do not clash between blocks.
    writeFileSync(file, [...block.preamble, block.code, 'export {};', ''].join('\n'));
  }
  const tsc = spawn(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  tsc.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  tsc.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(tsc, 'close')) as [number | null];
  const diagnostics: Diagnostic[] = [];
  for (const entry of output.split(/\n(?=\S)/).filter((text) => text.trim() !== '')) {
    const match = /^(.+?)\((\d+),\d+\): (.*)$/s.exec(entry.trim());
    const block = match ? blocks.find((b) => join(dir, b.file) === join(ROOT, match[1]!)) : undefined;
    const lineInFile = match ? Number(match[2]) : 0;
    const own = block !== undefined && lineInFile > block.preamble.length;
    diagnostics.push({
      block,
      readmeLine: own ? block.line + lineInFile - 1 - block.preamble.length : undefined,
      text: match ? match[3]!.trim() : entry.trim(),
    });
  }
  assert.ok(code === 0 || diagnostics.length > 0, `tsc exited ${code} without a diagnostic:\n${output}`);
  return diagnostics;
}

/** Runs one block's file as a program; resolves with its exit and output. */
async function runBlock(dir: string, block: Block): Promise<{ code: number | null; signal: string | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(dir, block.file)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: RUN_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  return { code, signal, output };
}

describe('README.md code blocks', () => {
  const dir = join(ROOT, `.readme-check-${process.pid}`);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const blocks = readmeBlocks(readFileSync(README, 'utf8')).filter((block) => block.mode !== 'skip');
  /** Whether the blocks type-checked: set by the type-check test, which runs first. */
  let checked = false;

  test('readmeBlocks() - finds every ```ts block, indented ones too, with its line and readme-check mode', () => {
    const sample = [
      '# t',
      '',
      '```ts',
      'const a = 1;',
      '```',
      '- item',
      '',
      '  <!-- readme-check: no-run -->',
      '  ```ts',
      '  // lib/x.ts',
      '  export const x = 2;',
      '  ```',
      '```sh',
      'ls',
      '```',
    ].join('\n');
    const found = readmeBlocks(sample);
    assert.deepEqual(
      found.map(({ line, code, mode, file, named }) => ({ line, code, mode, file, named })),
      [
        { line: 4, code: 'const a = 1;', mode: 'default', file: 'readme-line-4.ts', named: false },
        { line: 10, code: '// lib/x.ts\nexport const x = 2;', mode: 'no-run', file: 'lib/x.ts', named: true },
      ],
    );
    assert.ok(blocks.length >= 5, `only ${blocks.length} ts blocks found in README.md`);
  });

  test('README.md - every ts block type-checks (errors name the README line)', { timeout: 120_000 }, async () => {
    // First pass without preambles: what a fragment is missing, and whether it is a whole program.
    let diagnostics = await typecheck(dir, blocks);
    for (const block of blocks) {
      const missing = new Set<string>();
      for (const d of diagnostics) {
        const name = d.block === block ? /^error TS2304: Cannot find name '(\w+)'/.exec(d.text)?.[1] : undefined;
        if (name !== undefined && Object.hasOwn(PRELUDE, name)) missing.add(name);
      }
      block.preamble = [...missing].map((name) => PRELUDE[name]!);
    }
    if (blocks.some((block) => block.preamble.length > 0)) diagnostics = await typecheck(dir, blocks);
    const errors = diagnostics.map((d) =>
      d.readmeLine !== undefined
        ? `README.md:${d.readmeLine}: ${d.text}`
        : `${d.block ? `block at README.md:${d.block.line}` : 'tsc'}: ${d.text}`,
    );
    assert.deepEqual(errors, [], `README code does not type-check:\n${errors.join('\n')}`);
    checked = true;
  });

  test('README.md - every complete program among its blocks runs and exits 0', { timeout: 240_000 }, async (t) => {
    assert.ok(checked, 'the blocks did not type-check');
    const programs = blocks.filter(
      (block) => block.mode === 'run' || (block.mode === 'default' && !block.named && block.preamble.length === 0),
    );
    assert.ok(programs.length > 0, 'no README block is a complete program');
    for (const block of blocks.filter((b) => b.mode === 'run')) {
      assert.deepEqual(block.preamble, [], `README.md:${block.line}: marked run, but uses ${block.preamble.join(' ')}`);
    }
    for (const block of programs) {
      await t.test(`README.md:${block.line}`, async () => {
        const { code, signal, output } = await runBlock(dir, block);
        assert.equal(
          signal,
          null,
          `README.md:${block.line}: killed by ${signal} (still running after ${RUN_TIMEOUT_MS} ms? mark it <!-- readme-check: no-run -->)\n${output}`,
        );
        assert.equal(code, 0, `README.md:${block.line}: exit code ${code}\n${output}`);
        assert.doesNotMatch(output, /Exception in thread/, `README.md:${block.line}: a thread failed\n${output}`);
      });
    }
  });
});
