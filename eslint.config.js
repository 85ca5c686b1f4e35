// ESLint: typescript-eslint's type-checked rules over src/, test/, examples/, bench/ and scripts/.
//
// TypeScript 7 ships no JavaScript compiler API, and typescript-eslint (peer typescript <6.1) loads
// the package named `typescript`. So package.json follows TypeScript 7's side-by-side setup:
// `typescript` is an alias of `@typescript/typescript6` (the 6.0 API, which typescript-eslint loads;
// its compiler is `tsc6`), and `@typescript/native` is TypeScript 7, whose `tsc` is the one in
// node_modules/.bin that builds and type-checks the project. Drop the alias when typescript-eslint
// runs on TypeScript 7.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test(), describe(), it() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // A parameter named _x is unused on purpose: it gives a target its arity (test/contract/lifecycle.ts); a loop variable _x only drives the loop.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests, fixtures and benchmarks: an async test, command or target keeps its async interface
    // without awaiting anything; library code (src/) keeps the rule.
    files: ['test/**', 'bench/**', 'examples/**'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
