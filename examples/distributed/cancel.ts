// The "other process" of the distributed example: it knows nothing but the queue and a job id, attaches
// to the job with future(id) and cancels it, then waits for the job's end as the submitter does.
// argv: <redis url> <queue> <job id>. An idle client holds nothing open: the program exits by itself.
import { DistributedExecutor } from 'threadkit/distributed';

const [connection, queue, id] = process.argv.slice(2) as [string, string, string];
const ex = new DistributedExecutor({ queue, connection });
const job = ex.future(id); // attached: a pending future holds this program open
await ex.queueCounts(); // connected (loading bullmq and connecting can take a second on a small machine)
const at = performance.timeOrigin + performance.now();
job.cancel('launch aborted');
console.log(`future(${id}).cancel('launch aborted') at ${at.toFixed(3)} (ms since the epoch), from pid ${process.pid}`);
await job.then(
  () => {},
  () => {},
);
// The countdown sees cancelled() and returns normally, so the job ends 'completed', as a local pool's would.
console.log(`job ${id} ended ${job.outcome?.status}, as the submitter sees it`);
