// Runs the shared-object contract inline, in a Thread and in a Process (whose objects its parent serves).
import { sharedContract } from './contract.ts';

sharedContract('inline');
sharedContract('Thread');
sharedContract('Process');
