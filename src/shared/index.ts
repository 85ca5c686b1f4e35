// The shared objects (API.md section 5): re-exports only.

export { Event } from './event.js';
export { Lock, RLock } from './lock.js';
export { Semaphore, BoundedSemaphore } from './semaphore.js';
export { Condition } from './condition.js';
export { Barrier } from './barrier.js';
export { Queue, type QueueOptions } from './queue.js';
export type { Held } from './brand.js';
