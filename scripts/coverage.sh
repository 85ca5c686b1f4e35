#!/usr/bin/env bash
# npm run coverage: the README's test command (npm test) under c8, worker threads and child processes included (they inherit NODE_V8_COVERAGE).
#
# The floor is in .c8rc.json. The tests run the built package; dist's source maps take the figures back
# to src/. Threads run dist's modules rather than the bundled entries (THREADKIT_UNBUNDLED=1, see
# scripts/bundle-entries.mjs), and the real build is put back at the end. A dist/ file still listed
# under dist/ is one that tsx rewrote on load (it rewrites dynamic import() in .js files and drops
# their source map): its figures are on the JavaScript lines. The per-test hang guard (test/support/guard.ts)
# is tripled: instrumented threads start slower.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf coverage
status=0
THREADKIT_UNBUNDLED=1 THREADKIT_TEST_TIMEOUT_SCALE=3 node_modules/.bin/c8 npm test || status=$?
npm run build >/dev/null || status=$?
exit "$status"
