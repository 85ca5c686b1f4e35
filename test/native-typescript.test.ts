// Node's own TypeScript (type stripping, Node 22.18+): `node main.ts` with .ts task modules, no tsx.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Program, fixture, killLeftoverChildren } from './support/child.ts';
import { guardThreads } from './support/guard.ts';

const strips = Boolean((process.features as { typescript?: unknown }).typescript);
const skip = strips ? false : `Node ${process.version} cannot run TypeScript itself (type stripping came in Node 22.18)`;

describe('Node type stripping - no tsx', () => {
  guardThreads();
  after(() => assert.equal(killLeftoverChildren(), 0, 'a child program was left running'));

  test('node main.ts - .ts task modules run, and are cancelled, in a Thread and a Process', { timeout: 60_000, skip }, async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const exit = await new Program(process.execPath, [fixture('native-ts.ts')], { env }).exited();
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stderr, '');
    assert.equal(exit.stdout, 'Thread: Thread-ts 49, woken\nProcess: Process-ts 49, woken\ntsx loaded: false\n');
  });
});
