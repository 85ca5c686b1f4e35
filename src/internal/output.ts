// Writes a thread's output to this process's stdout/stderr, never crashing on a closed pipe.

const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * Writes `chunk` to `process[stream]`. The first call installs an 'error' listener on the stream
 * that ignores EPIPE (the reader went away, e.g. `node app.js | head -1`) and rethrows anything
 * else when nobody else listens, as Node would.
 */
export function writeOutput(stream: 'stdout' | 'stderr', chunk: string | Uint8Array): void {
  const target = process[stream];
  if (!guarded.has(target)) {
    guarded.add(target);
    target.on('error', function onError(this: NodeJS.WriteStream, error: NodeJS.ErrnoException) {
      if (error.code === 'EPIPE') return;
      if (target.listenerCount('error') === 1) throw error;
    });
  }
  if (target.destroyed || target.writableEnded) return;
  target.write(chunk);
}
