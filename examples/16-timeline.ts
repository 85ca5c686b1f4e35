// The pool scenario (09-pool) recorded: startTimeline() writes a Trace Event file for ui.perfetto.dev, and timelineSvg() draws it.
// `tsx examples/16-timeline.ts [dir]` writes threadkit-trace.json and threadkit-timeline.svg into dir (default: the working directory).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ThreadPoolExecutor, startTimeline, timelineSvg } from 'threadkit';
import { poolCountdown } from './tasks/pool-countdown.ts';

const dir = process.argv[2] ?? '.';
const pool = new ThreadPoolExecutor({ maxWorkers: 2, minWorkers: 2, name: 'launch' });
const began = new Float64Array(new SharedArrayBuffer(4 * Float64Array.BYTES_PER_ELEMENT));
await Promise.all([pool.submit(poolCountdown, 'warm-up', 0, 0, began, 0), pool.submit(poolCountdown, 'warm-up', 0, 0, began, 1)]);

const rec = startTimeline();
const a = pool.run(poolCountdown, ['A', 10, 100, began, 0], { name: 'A' });
const b = pool.run(poolCountdown, ['B', 4, 100, began, 1], { name: 'B' });
const c = pool.run(poolCountdown, ['C', 3, 100, began, 2], { name: 'C' });
const d = pool.run(poolCountdown, ['D', 2, 100, began, 3], { name: 'D' });
await new Promise((resolve) => setTimeout(resolve, 250));
a.cancel('launch aborted');
await Promise.all([a, b, c, d]);
const trace = await rec.write(join(dir, 'threadkit-trace.json'));
await pool.shutdown();

await writeFile(join(dir, 'threadkit-timeline.svg'), timelineSvg(trace, { title: 'launch: A cancelled, its worker takes C' }));
const tracks = new Map(trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, String(e.args?.name)]));
const slices = trace.traceEvents
  .filter((e) => e.ph === 'X' && e.cat === 'pool-task' && e.args?.phase !== 'submit')
  .sort((x, y) => x.ts! - y.ts!);
console.log(`recorded ${slices.length} tasks: ${slices.map((s) => `${s.name} on ${tracks.get(s.tid)}`).join(', ')}`);
console.log(`cancels: ${trace.traceEvents.filter((e) => e.name === 'cancel').length}`);
console.log(`wrote ${join(dir, 'threadkit-trace.json')} (open it in ui.perfetto.dev) and ${join(dir, 'threadkit-timeline.svg')}`);
