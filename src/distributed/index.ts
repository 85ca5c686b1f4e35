// threadkit/distributed: the executors of section 7 across machines, on BullMQ and Redis (re-exports only).

export { DistributedExecutor, type DistributedRunOptions, type DistributedStats } from './client.js';
export { DistributedFuture } from './remote-job.js';
export { WorkerHost } from './host.js';
export { ConnectionError } from './errors.js';
export type { Connection, DistributedExecutorOptions, RedisConnectionOptions, WorkerHostOptions } from './options.js';
