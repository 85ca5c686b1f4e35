// Lifecycle states of a Thread or Process and the one function that moves between them.

import { move, type Transitions } from '../base/state-machine.js';

/**
 * The states, with their legal transitions:
 *
 * ```
 * new        -> starting    start()
 * new        -> ended       terminate() / stop() before start()
 * starting   -> running     the target begins
 * starting   -> cancelling  cancel() before the target begins
 * starting   -> ended       terminated, crashed or cancelled before the target began
 * running    -> cancelling  cancel()
 * running    -> ended       the target settled, or the thread was terminated or crashed
 * cancelling -> ended       the thread ended after cancel()
 * ```
 *
 * `ended` is final. No state is entered twice.
 */
export type ThreadState = 'new' | 'starting' | 'running' | 'cancelling' | 'ended';

const LEGAL: Transitions<ThreadState> = {
  new: ['starting', 'ended'],
  starting: ['running', 'cancelling', 'ended'],
  running: ['cancelling', 'ended'],
  cancelling: ['ended'],
  ended: [],
};

/** Returns `to` when `from -> to` is legal; throws an internal error otherwise (a threadkit bug). */
export function transition(from: ThreadState, to: ThreadState): ThreadState {
  return move(LEGAL, from, to, 'state');
}
