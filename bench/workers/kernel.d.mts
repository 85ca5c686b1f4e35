// Types of kernel.mjs.
export declare function mix(seed: number, iterations: number): number;
