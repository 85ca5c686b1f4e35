// Types of breakdown-tasks.mjs.
import type { Event, Lock, Queue } from 'threadkit';

export declare const lockParts: (lock: Lock, n: number, reps: number) => Record<string, number>;
export declare const blockUntilCancelled: (stamps: SharedArrayBuffer, queue: Queue | undefined) => void;
export declare const stampAndReturn: (stamps: SharedArrayBuffer) => number;
export declare const waitEach: (stamps: SharedArrayBuffer, events: Event[], flags: SharedArrayBuffer) => void;
export declare const queueParts: (queue: Queue, n: number, reps: number) => Promise<Record<string, number>>;
