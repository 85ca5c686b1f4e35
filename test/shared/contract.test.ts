// Runs the shared-object contract inline, in a Thread, in a Process (whose objects its parent serves) and in a task of each pool.
import { sharedContract } from './contract.ts';

sharedContract('inline');
sharedContract('Thread');
sharedContract('Process');
sharedContract('ThreadPoolExecutor');
sharedContract('ProcessPoolExecutor');
