// Bundles the thread and child entries into one CommonJS file each (dist/internal/entry/*.cjs):
// a new thread then loads one script with require() instead of a graph of ES modules, which
// takes about a quarter off a thread's start. Shared state lives on globalThis, so the bundled
// copy and the user's `import 'threadkit'` agree (see src/internal/context.ts).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/internal/entry/worker.js', 'dist/internal/entry/child.js'],
  outdir: 'dist/internal/entry',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
