// A search across four threads in a TaskScope ('firstSucceeds'): the first to find the answer wins,
// and the others, spinning or blocked in sleepSync(), are stopped at once by the scope's cancel.
import { TaskScope, checkpoint, sleepSync } from 'threadkit';

/** Looks for the n in [lo, hi) whose 32-bit multiplicative hash is `wanted`; checks for a cancel every 1024 steps. */
function search(name: string, lo: number, hi: number, wanted: number): string {
  for (let n = lo; n < hi; n += 1) {
    if ((n & 1023) === 0) checkpoint();
    if (Math.imul(n, 2654435761) >>> 0 === wanted) return `${name} found n = ${n}`;
  }
  throw new Error(`${name}: no answer in [${lo}, ${hi})`);
}

/** A slow remote lookup: blocks its thread for a minute (a cancel wakes it at once), then gives up. */
function lookup(name: string): string {
  sleepSync(60_000);
  checkpoint();
  return `${name}: the lookup answered`;
}

const answer = 2_500_000_000;
const wanted = Math.imul(answer, 2654435761) >>> 0;
const started = performance.now();
const scope = new TaskScope({ policy: 'firstSucceeds', name: 'search' });
const searchers = [
  scope.thread(search, 'low range', 0, 2_490_000_000, wanted), // spins for seconds: the answer is not there
  scope.thread(search, 'middle range', 2_490_000_000, 2_600_000_000, wanted), // finds it
  scope.thread(lookup, 'remote lookup'), // blocked in sleepSync(60 000)
  scope.thread(search, 'high range', 2_600_000_000, 2 ** 32, wanted), // spins for seconds
];

// When the winner's result arrives, note the time: the scope cancels the others at that moment.
let foundAt = 0;
void Promise.any(searchers.map((t) => t.result())).then(
  () => (foundAt = performance.now()),
  () => {},
);
const winner = (await scope.join()) as string;
const endedAt = performance.now();
console.log(`winner: ${winner} after ${(foundAt - started).toFixed(0)} ms`);
const labels = ['low range', 'middle range', 'remote lookup', 'high range'];
searchers.forEach((t, i) => console.log(`  ${labels[i]} (${t.name}): ${t.outcome?.status}`));
console.log(
  `the other three were stopped ${(endedAt - foundAt).toFixed(1)} ms after the answer (not after their minute-long sleep or multi-second scan)`,
);
console.log(`threads still alive: ${searchers.filter((t) => t.isAlive()).length}`);
