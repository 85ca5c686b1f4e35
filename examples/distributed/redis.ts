// Redis for the distributed example: REDIS_URL when set, otherwise a redis-server of its own on a free
// port in a temporary directory (no persistence), stopped by stop().
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether the example can run: REDIS_URL is set or redis-server is installed. */
export const haveRedis = (): boolean =>
  Boolean(process.env.REDIS_URL) || spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** How to see the example where it cannot run. */
export const HOW_TO_SEE =
  'The distributed example needs Redis: install redis-server (apt-get install redis-server) or set REDIS_URL=redis://host:port, then npm run demo -- 18';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A Redis to use: its URL, and stop() (which does nothing for REDIS_URL). */
export async function redis(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'threadkit-demo-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const onData = (chunk: string): void => {
      log += chunk;
      if (!log.includes('Ready to accept connections')) return;
      server.off('exit', onExit);
      resolve();
    };
    const onExit = (): void => reject(new Error(`redis-server exited before it was ready:\n${log}`));
    server.stdout.setEncoding('utf8').on('data', onData);
    server.once('exit', onExit);
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
