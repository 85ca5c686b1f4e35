// The worker and child entries' source, for bundled programs (see bootstrap.ts, entrySource()).
//
// This is a stand-in: `npm run build` (scripts/bundle-entries.mjs) overwrites its output,
// dist/backend/entry/embedded.js, with the bundled entries as strings. Only a bundle loads it:
// bootstrap.ts imports it lazily, where no entry file sits next to threadkit's modules, so an
// unbundled program never reads it, and a bundler inlines it (or puts it in a chunk of its own).

/** Source of the worker entry (dist/backend/entry/worker.cjs); undefined in this stand-in. */
export const worker: string | undefined = undefined;
/** Source of the child entry (dist/backend/entry/child.cjs); undefined in this stand-in. */
export const child: string | undefined = undefined;
