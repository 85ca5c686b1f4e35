// Raw Worker for cpu-speedup: mixes its share of the batch and posts the results.
import { parentPort, workerData } from 'node:worker_threads';
import { mix } from './kernel.mjs';

parentPort.postMessage(workerData.seeds.map((seed) => mix(seed, workerData.iterations)));
