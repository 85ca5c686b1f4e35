// Runs the shared-object contract inline and in a Thread (a Process joins once objects are served by the parent).
import { sharedContract } from './contract.ts';

sharedContract('inline');
sharedContract('Thread');
