// Bundles the thread and child entries into one CommonJS file each (dist/internal/entry/*.cjs):
// a new thread then loads one script with require() instead of a graph of ES modules, which
// takes about a quarter off a thread's start. Shared state lives on globalThis, so the bundled
// copy and the user's `import 'threadkit'` agree (see src/internal/context.ts).
//
// THREADKIT_UNBUNDLED=1 (npm run coverage) writes each .cjs as a one-line require() of the
// entry's ES module instead (require(esm): Node 20.19+), so threads run dist's own modules, whose
// source maps take coverage back to src/ line by line; a bundle's map cannot (c8 counts the lines
// of a bundled file that it cannot map, tree-shaken code included, as covered).
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const entries = ['worker', 'child'];

if (process.env.THREADKIT_UNBUNDLED === '1') {
  for (const name of entries) {
    writeFileSync(
      `dist/internal/entry/${name}.cjs`,
      `// Unbundled (THREADKIT_UNBUNDLED=1): for coverage only.\nmodule.exports = require('./${name}.js');\n`,
    );
  }
} else {
  await build({
    entryPoints: entries.map((name) => `dist/internal/entry/${name}.js`),
    outdir: 'dist/internal/entry',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
}
