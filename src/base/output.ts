// A thread's output: taken synchronously where it is written, written out where it belongs, never crashing on a closed pipe.

import { writeSync } from 'node:fs';

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

/**
 * Replaces `process.stdout.write` and `process.stderr.write` (which console uses) of this thread
 * with `write`, called synchronously for every chunk, in order: nothing waits for an event loop.
 */
export function interceptOutput(write: (stream: 'stdout' | 'stderr', chunk: string | Uint8Array) => void): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const writable = process[stream];
    writable.write = (chunk: unknown, encoding?: unknown, callback?: unknown) => {
      if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
      let data: string | Uint8Array;
      if (typeof chunk === 'string') {
        data =
          typeof encoding === 'string' && !/^utf-?8$/i.test(encoding)
            ? new Uint8Array(Buffer.from(chunk, encoding as BufferEncoding))
            : chunk;
      } else if (chunk instanceof Uint8Array) {
        data = new Uint8Array(chunk); // a copy: a Buffer's pool must not travel
      } else {
        data = String(chunk);
      }
      write(stream, data);
      if (typeof callback === 'function') process.nextTick(callback);
      return true;
    };
  }
}

/**
 * Writes `chunk` to file descriptor `fd` now, whole, even when the descriptor is non-blocking and
 * full (the reader is slow): then it waits a millisecond at a time until the reader takes it.
 * A reader that went away (EPIPE) drops the output, as a closed terminal would.
 */
export function writeFully(fd: number, chunk: string | Uint8Array): void {
  let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  while (data.length > 0) {
    try {
      data = data.subarray(writeSync(fd, data));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN') return;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
