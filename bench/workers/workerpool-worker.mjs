// workerpool's worker script: registers the peer tasks (workerpool passes arguments spread).
import workerpool from 'workerpool';
import * as tasks from './peer-tasks.mjs';

workerpool.worker({ ...tasks });
