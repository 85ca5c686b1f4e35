// Bundling: esbuild inlines threadkit into one file, and the bundle runs from another directory, its threads and processes included.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dir = mkdtempSync(join(tmpdir(), 'threadkit-bundled-'));
try {
  // What `esbuild app.ts --bundle --platform=node --format=esm --outfile=app.mjs` does: no configuration for threadkit.
  const outfile = join(dir, 'app.mjs');
  const entry = fileURLToPath(new URL('./bundled/app.ts', import.meta.url));
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning' });
  console.log(
    `esbuild wrote one file of ${(statSync(outfile).size / 1024).toFixed(0)} KB: the program, threadkit and its thread and child entries`,
  );
  console.log(`running it with plain node from ${dir}, where there is no node_modules:`);
  const run = spawnSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  if (run.status !== 0) throw new Error(`the bundle did not exit 0: ${run.status ?? run.signal}`);
  console.log('the bundle exited 0 by itself');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
