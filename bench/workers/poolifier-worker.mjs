// poolifier's worker script: a ThreadWorker with the peer tasks as named task functions (one data argument).
import { ThreadWorker } from 'poolifier';
import * as tasks from './peer-tasks.mjs';

export default new ThreadWorker({ ...tasks });
