// Raw BullMQ peer of the distributed metrics: one BullMQ Worker in its own process (as a threadkit host
// is), argv: <redis url> <queue> <concurrency>. Its processor returns the job's data (a trivial job). It
// sends 'ready' over IPC once the Worker takes jobs, and closes on 'close' (then the process exits).
import { Worker } from 'bullmq';

const [url, queue, concurrency] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const worker = new Worker(queue, async (job) => job.data, {
  connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
  concurrency: Number(concurrency),
  autorun: false,
});
worker.on('error', (error) => console.error('bullmq-worker:', error));
worker.on('ready', () => process.send({ ready: true }));
process.on('message', (m) => {
  if (m === 'close') void worker.close().then(() => process.disconnect());
});
void worker.run();
