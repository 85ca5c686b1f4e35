// `import 'threadkit'` never loads bullmq or ioredis (API.md section 8: optional peer dependencies, needed
// only by threadkit/distributed). Checked in a fresh Node whose resolve hook refuses both packages.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fixture, ROOT } from '../support/child.ts';

function load(specifier: string): string {
  const run = spawnSync(process.execPath, [fixture('loaded-modules.mjs'), specifier], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

test("import 'threadkit' loads neither bullmq nor ioredis", () => {
  assert.equal(load('threadkit'), 'clean');
});

test('the check sees bullmq and ioredis when something imports them', () => {
  assert.match(load('bullmq'), /^loaded: refused .*node_modules\/bullmq\//);
  assert.match(load('ioredis'), /^loaded: refused .*node_modules\/ioredis\//);
});
