// threadkit host of the distributed metrics, in its own process: a WorkerHost on a warm
// ThreadPoolExecutor, set up as threadkit-worker --workers N sets one up (N jobs at once on N + 1 warm
// workers: the spare takes the next job while a worker stopped by a deadline is replaced). argv: <redis url> <queue> <workers> <hostTimeoutMs> <name>. Sends { ready } once
// the host takes jobs; on 'close' it shuts down (running jobs end first) and the process exits.
import { ThreadPoolExecutor } from 'threadkit';
import { WorkerHost } from 'threadkit/distributed';

const [connection, queue, workers, hostTimeoutMs, name] = process.argv.slice(2);
const executor = new ThreadPoolExecutor({ maxWorkers: Number(workers) + 1, minWorkers: Number(workers) + 1 });
const host = new WorkerHost({ queue, connection, executor, concurrency: Number(workers), hostTimeoutMs: Number(hostTimeoutMs), name });
await host.start();
process.send({ ready: true });
process.on('message', (m) => {
  if (m === 'close') void host.shutdown().then(() => process.disconnect());
});
