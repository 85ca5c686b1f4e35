// workerpool's worker script: registers the peer tasks (workerpool passes arguments spread).
import workerpool from 'workerpool';
import { stampOnly, stampAndSpin, stampAndBlock, mixOne } from './peer-tasks.mjs';

workerpool.worker({ stampOnly, stampAndSpin, stampAndBlock, mixOne });
