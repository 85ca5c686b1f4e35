// Types of threadkit-tasks.mjs.
export declare const mixBatch: (seeds: number[], iterations: number) => number[];
