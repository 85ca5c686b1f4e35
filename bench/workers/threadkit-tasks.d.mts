// Types of threadkit-tasks.mjs.
export declare const mixOne: (seed: number, iterations: number) => number;
