// Seed 1 and 4 on a pool: three countdowns share two warm workers; one is cancelled mid-sleep and its worker takes the next at once.
import { ThreadPoolExecutor } from 'threadkit';
import { poolCountdown } from './tasks/pool-countdown.ts';

const pool = new ThreadPoolExecutor({ maxWorkers: 2, minWorkers: 2, name: 'launch' });
const began = new Float64Array(new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT));

// Warm the workers once (they load the task module), as a long-running program's pool would be.
await Promise.all([pool.submit(poolCountdown, 'warm-up', 0, 0, began, 0), pool.submit(poolCountdown, 'warm-up', 0, 0, began, 1)]);

const a = pool.submit(poolCountdown, 'A', 10, 400, began, 0);
const b = pool.submit(poolCountdown, 'B', 4, 400, began, 1);
const c = pool.submit(poolCountdown, 'C', 3, 400, began, 2);
console.log(`A and B run on the two workers; C waits: ${JSON.stringify(pool.stats)}`);

// Let A count a little, then stop it in the middle of its sleep.
await new Promise((resolve) => setTimeout(resolve, 1000));
const cancelledAt = performance.timeOrigin + performance.now();
a.cancel('launch aborted');
// C's state is not printed here: the freed worker may claim C in shared memory before the next line runs.
console.log('cancel() A: it wakes from its sleep, and its worker takes C next');

const [ra, rb, rc] = await Promise.all([a, b, c]);
console.log(`A stopped at T-minus ${ra.stoppedAt} on ${ra.worker} (ident ${ra.ident}), outcome ${a.outcome?.status}`);
console.log(`B counted down to ${rb.stoppedAt} on ${rb.worker}: the cancel was A's only`);
console.log(`C began ${(began[2]! - cancelledAt).toFixed(2)} ms after cancel(), on ${rc.worker} (ident ${rc.ident})`);
console.log(`same worker as A: ${rc.ident === ra.ident}; live workers: ${pool.stats.workers}, terminated tasks: ${pool.stats.terminated}`);

await pool.shutdown();
console.log(`shut down: ${JSON.stringify(pool.stats)}`);
