// The seed's IOTask: a thread that reads one chunk from a TCP socket, stoppable by cancel().
import net from 'node:net';
import { once } from 'node:events';
import { task, cancelSignal } from 'threadkit';

/**
 * Connects to `127.0.0.1:port` and waits for the first chunk of data; returns its length.
 * A `cancel()` of the thread aborts the wait at once (no timeout loop): the socket is destroyed
 * and the thread ends `cancelled`.
 */
export const readOnce = task(import.meta.url, async function readOnce(port: number): Promise<number> {
  const signal = cancelSignal();
  const socket = net.connect({ host: '127.0.0.1', port, signal });
  try {
    const [chunk] = (await once(socket, 'data', { signal })) as [Buffer];
    return chunk.length;
  } finally {
    socket.destroy();
  }
});
