// The one state-machine helper: a table of legal moves and the function that checks each move against it.

/** Where each state may go; a state that may go nowhere is final. */
export type Transitions<S extends string> = Readonly<Record<S, readonly S[]>>;

/**
 * Returns `to` when `from -> to` is in `table`.
 * @throws {Error} an internal error naming `what` for an illegal move (a threadkit bug, never a user's).
 */
export function move<S extends string>(table: Transitions<S>, from: S, to: S, what: string): S {
  if (!table[from].includes(to)) throw new Error(`threadkit internal error: illegal ${what} transition ${from} -> ${to}`);
  return to;
}
