// ProcessPoolExecutor: the executor contract on long-lived child processes.

import { ProcessPoolExecutor } from 'threadkit';
import { executorContract } from './contract.ts';

executorContract({ name: 'ProcessPoolExecutor', Ctor: ProcessPoolExecutor });
