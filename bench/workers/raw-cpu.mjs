// Raw Worker for cpu-speedup: a warm worker that mixes each share of the batch it is sent and posts the results.
import { parentPort } from 'node:worker_threads';
import { mix } from './kernel.mjs';

parentPort.on('message', ({ seeds, iterations }) => {
  parentPort.postMessage(seeds.map((seed) => mix(seed, iterations)));
});
