// ConnectionError: Redis could not be reached in time (threadkit/distributed).

/**
 * A submit could not reach Redis within the executor's `connectTimeoutMs` (or a host's start
 * could not): the message names the address. Its job was not queued and never will be.
 */
export class ConnectionError extends Error {
  readonly code = 'ERR_CONNECTION';
  override name = 'ConnectionError';
}
