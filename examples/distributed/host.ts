// A host of the distributed example: the same as `npx threadkit-worker --queue Q --redis URL --workers 1`,
// written out. argv: <redis url> <queue> <name>. Prints `<name> ready` once it takes jobs; SIGTERM shuts
// it down (the running jobs end first).
import { ThreadPoolExecutor } from 'threadkit';
import { WorkerHost } from 'threadkit/distributed';

const [connection, queue, name] = process.argv.slice(2) as [string, string, string];
process.env.DEMO_HOST = name; // the jobs' threads inherit it and say where they ran
const host = new WorkerHost({
  queue,
  connection,
  name,
  executor: new ThreadPoolExecutor({ maxWorkers: 1, minWorkers: 1 }),
  hostTimeoutMs: 1000, // a silent host is dead after 1 s (default 10 s), to keep the demo short
});
await host.start();
console.log(`${name} ready`);
process.once('SIGTERM', () => void host.shutdown());
