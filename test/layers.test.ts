// The source's import graph: layers whose imports point down, no cycle (type imports and import() included), index.ts only re-exports.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Every .ts file under src/, by absolute path. */
function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** file -> the src files it imports (static, type-only, re-exports and import()). */
function importGraph(): Map<string, string[]> {
  const files = sources();
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components of more than one file (Tarjan), each as src-relative paths. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(relative(SRC, w));
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

/**
 * The layers of src/, bottom first: a file may import its own layer and the ones below. Each
 * folder is one layer; errors.ts sits with base/, and the public classes with executor/; scope/ builds on them.
 */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['errors.ts', 'base/'], // named errors; validation, timers, the state-machine helper, output writing
  ['observe/'], // the diagnostics channels and one run's events (API.md 11.1)
  ['wire/'], // every message and frame format
  ['memory/'], // wake table, cancel flag, per-task context, the wait core, what a task sees (runtime)
  ['shared/'], // the eight primitives
  ['serve/'], // serving them to child processes, and the served side in a child
  ['backend/'], // transports, entries, the in-thread runner, task forms
  ['core/'], // lifecycle, settlement, states, excepthook, crash diagnosis
  ['thread.ts', 'process.ts', 'executor/', 'introspect.ts', 'shutdown.ts', 'timeline/'], // the public classes, the timeline recorder
  ['scope/'], // task scopes over threads, processes and pool tasks
  ['index.ts'], // the public manifest
  ['distributed/'], // threadkit/distributed: the executors across machines, on BullMQ and Redis (its own entry)
];

/** The layer of a src-relative path (its index in LAYERS); throws for a file that has none. */
function layerOf(path: string): number {
  const layer = LAYERS.findIndex((members) => members.some((member) => (member.endsWith('/') ? path.startsWith(member) : path === member)));
  if (layer === -1) throw new Error(`src/${path} is in no layer of test/layers.test.ts: add its folder to LAYERS`);
  return layer;
}

test('src - every import points down a layer or stays in its own', () => {
  const upward: string[] = [];
  for (const [file, targets] of importGraph()) {
    const from = relative(SRC, file);
    for (const target of targets) {
      const to = relative(SRC, target);
      if (layerOf(to) > layerOf(from)) upward.push(`${from} -> ${to}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('src - no import cycle, type imports included', () => {
  const graph = importGraph();
  assert.ok(graph.size > 20, `only ${graph.size} source files found under ${SRC}`);
  assert.deepEqual(cycles(graph), []);
});

test('src - the cycle check finds a cycle (the check itself can fail)', () => {
  const a = join(SRC, 'a.ts');
  const b = join(SRC, 'b.ts');
  const c = join(SRC, 'c.ts');
  const graph = new Map([
    [a, [b]],
    [b, [c]],
    [c, [a]],
  ]);
  assert.deepEqual(cycles(graph), [['a.ts', 'b.ts', 'c.ts']]);
});

test('src/index.ts - the public manifest only re-exports', () => {
  const text = readFileSync(join(SRC, 'index.ts'), 'utf8');
  const file = ts.createSourceFile('index.ts', text, ts.ScriptTarget.Latest);
  const other = file.statements.filter((statement) => !ts.isExportDeclaration(statement));
  assert.deepEqual(
    other.map((statement) => statement.getText(file)),
    [],
  );
});
