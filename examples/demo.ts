// `npm run demo`: runs every example in order as its own program, streaming its output.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { haveRedis, HOW_TO_SEE } from './distributed/redis.ts';

/**
 * The examples in the order the seed tells them, with the scenario each one retells. `missing` says
 * what the machine lacks for one (then the demo prints that line instead of running it).
 */
const examples: ReadonlyArray<{ file: string; title: string; missing?: () => string | undefined }> = [
  { file: '01-countdown.ts', title: 'A thread from a target and args; isAlive(); join()' },
  { file: '02-daemon.ts', title: 'A daemon thread does not hold the program open' },
  { file: '03-cancel.ts', title: 'Stopping the countdown: cancel() wakes a sleeping thread' },
  { file: '04-io-cancel.ts', title: 'A thread blocked on a socket; stop() and terminate()' },
  { file: '05-parallel.ts', title: 'CPU-bound work on all cores: no GIL' },
  { file: '06-subclass.ts', title: 'Subclassing Thread and overriding run()' },
  { file: '07-process.ts', title: 'The same task in a Process, stopped early' },
  { file: '08-errors.ts', title: 'Errors from a thread, and Thread.excepthook' },
  { file: '09-pool.ts', title: 'Countdowns on a pool: a cancelled task gives its worker to the next' },
  { file: '10-event.ts', title: 'Recipe 12.2: a thread says it has started through an Event' },
  { file: '11-queue.ts', title: 'Recipe 12.3: producer and consumer threads through a bounded Queue' },
  { file: '12-lock.ts', title: 'Recipe 12.4: a Lock makes a shared counter exact' },
  { file: '13-bundled.ts', title: 'A program bundled with esbuild, threadkit inlined, run from another directory' },
  { file: '14-scope-search.ts', title: 'A TaskScope search: the first of four threads to find the answer stops the others at once' },
  { file: '15-scope-deadline.ts', title: 'A TaskScope deadline over a cooperative thread and a stubborn pool task' },
  { file: '16-timeline.ts', title: "The pool scenario's timeline: threadkit-trace.json for Perfetto, and an SVG Gantt chart" },
  {
    file: '18-distributed.ts',
    title: 'Across machines: two hosts on Redis, a cancel from another process, a deadline, a host killed',
    missing: () => (haveRedis() ? undefined : HOW_TO_SEE),
  },
];

/** An example that has not exited by then is reported as hanging and killed. */
const timeoutMs = 30_000;

/** Runs one example with this program's runtime (node + tsx); resolves with how it ended. */
async function runExample(file: string): Promise<{ ok: boolean; summary: string }> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, [...process.execArgv, path], {
    stdio: 'inherit',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (code === 0) return { ok: true, summary: `exited 0 by itself after ${seconds} s` };
  if (signal === 'SIGKILL') return { ok: false, summary: `did not exit within ${timeoutMs / 1000} s` };
  return { ok: false, summary: `failed: exit code ${code}, signal ${signal}` };
}

// `npm run demo -- 03 07` runs only the examples whose file names start with those prefixes.
const only = process.argv.slice(2);
const selected = examples.filter(({ file }) => only.length === 0 || only.some((p) => file.startsWith(p)));
if (selected.length === 0) {
  console.error(`No example matches ${only.join(', ')}; the examples are: ${examples.map((e) => e.file).join(', ')}`);
  process.exitCode = 1;
}

const failed: string[] = [];
let skipped = 0;
for (const { file, title, missing } of selected) {
  const lacking = missing?.();
  if (lacking) {
    console.log(`\n=== ${title} (examples/${file}): skipped. ${lacking}`);
    skipped += 1;
    continue;
  }
  console.log(`\n=== ${title} (examples/${file})\n`);
  const { ok, summary } = await runExample(file);
  console.log(`\n--- ${file} ${summary}`);
  if (!ok) failed.push(file);
}

if (failed.length > 0) {
  console.error(`\nThe demo failed: ${failed.join(', ')}`);
  process.exitCode = 1;
} else if (selected.length > 0) {
  const ran = selected.length - skipped;
  const note = skipped > 0 ? ` (${skipped} skipped, see above)` : '';
  console.log(ran > 0 ? `\nAll ${ran} examples ran and exited by themselves${note}.` : `\nNo example ran${note}.`);
}
