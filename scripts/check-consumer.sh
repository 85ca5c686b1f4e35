#!/usr/bin/env bash
# Type-checks threadkit's packed tarball as a new user's project would: current TypeScript, @types/node, tsc --init defaults.
#
# For each @types/node given (default: latest and 20, the oldest Node threadkit supports), a fresh
# project installs TypeScript (default 7, or $CONSUMER_TS) and the tarball from `npm pack`, keeps
# the tsconfig.json that `tsc --init` writes, and checks one ESM file and one CommonJS file
# (require() of an ES module, as Node 20.19+ allows) that use the public API, once with those
# defaults and once with skipLibCheck off, since the default skipLibCheck hides errors inside
# threadkit's .d.ts (a type it cannot resolve silently becomes any).
# Needs the npm registry (or a warm npm cache). Usage: scripts/check-consumer.sh [types-node-version ...]
set -euo pipefail
cd "$(dirname "$0")/.."
typescript="${CONSUMER_TS:-7}"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(latest 20)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack --silent --pack-destination "$work" >"$work/pack.txt"
tarball="$work/$(tail -n 1 "$work/pack.txt")"

for types in "${versions[@]}"; do
  project="$work/consumer-types-node-$types"
  mkdir -p "$project"
  (
    cd "$project"
    npm init -y >/dev/null
    npm pkg set type=module
    npm install --silent --no-audit --no-fund "typescript@$typescript" "@types/node@$types" "$tarball"
    npx tsc --init >/dev/null
    cat >main.ts <<'TS'
import { Thread, Process, task, cancelled, sleepSync, stopOnSignals, TimeoutError, type Outcome } from 'threadkit';

export const countdown = task(import.meta.url, function countdown(n: number): number {
  while (!cancelled() && n > 0) {
    sleepSync(10);
    n -= 1;
  }
  return n;
});

stopOnSignals();
const thread = new Thread({ target: countdown, args: [3], name: 'countdown' }).start();
const left: number = await thread.result();
const child = new Process({ target: (a: number, b: number) => a + b, args: [2, 3] }).start();
await child.join();
const signal: string | null = child.signalCode;
const outcome: Outcome<number> | undefined = child.outcome;
console.log(left, signal, outcome?.status, new TimeoutError('late') instanceof Error);
TS
    cat >main.cts <<'TS'
import threadkit = require('threadkit');

const thread = new threadkit.Thread({ target: (n: number) => n * 2, args: [21] });
const state: threadkit.ThreadState = thread.state;
console.log(state);
TS
    echo "consumer: TypeScript $(npx tsc --version | sed 's/Version //'), @types/node $(node -p "require('@types/node/package.json').version"), threadkit from $(basename "$tarball")"
    npx tsc --noEmit
    npx tsc --noEmit --skipLibCheck false
  )
done
echo "consumer: types check in ${#versions[@]} fresh project(s)"
