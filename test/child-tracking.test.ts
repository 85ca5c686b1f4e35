// Children a target spawned itself end with its Thread or Process: terminate, stop, kill, or a normal end.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { Process, Thread } from 'threadkit';
import { spawnSleep, spawnSleepAndReturn, spawnSleepThenSpin } from './fixtures/spawner.ts';
import { newFlag, waitFlag } from './support/flag.ts';
import { guardThreads, T } from './support/guard.ts';
import { exists, gone } from './support/processes.ts';

guardThreads();

/** How long a SIGKILLed or SIGTERMed process may take to be gone: generous, see gone(). */
const GONE_MS = 5_000;

/** A local server the spawnSleep target reports its child's pid to: resolves with that pid. */
async function pidServer(): Promise<{ port: number; pid: Promise<number>; close(): void }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const pid = new Promise<number>((resolve, reject) => {
    server.once('connection', (socket) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => (/^\d+\n$/.test(text) ? resolve(Number(text)) : reject(new Error(`no pid: ${text}`))));
    });
  });
  return { port: (server.address() as net.AddressInfo).port, pid, close: () => server.close() };
}

type Backend = typeof Thread | typeof Process;
const backends: Array<[string, Backend]> = [
  ['Thread', Thread],
  ['Process', Process],
];

for (const [kind, Ctor] of backends) {
  describe(`${kind} - children the target spawned itself`, () => {
    const servers: Array<{ close(): void }> = [];
    after(() => servers.forEach((server) => server.close()));

    /** Starts spawnSleep with `behaviour` and resolves once its `sleep 30` runs, with the pid. */
    async function started(behaviour: 'ignore' | 'cooperate'): Promise<{ t: Thread | Process; pid: number }> {
      const server = await pidServer();
      servers.push(server);
      const t = new Ctor({ target: spawnSleep, args: [server.port, behaviour] }).start();
      const pid = await server.pid;
      assert.ok(exists(pid), 'the child runs');
      return { t, pid };
    }

    test(`.terminate() - the child the target spawned is gone with the ${kind.toLowerCase()}`, T, async () => {
      const { t, pid } = await started('ignore');
      assert.deepEqual(await t.terminate(), { status: 'terminated' });
      await gone(pid, GONE_MS);
    });

    test(`.stop() - the child is gone when the target cooperates and ends cancelled`, T, async () => {
      const { t, pid } = await started('cooperate');
      assert.equal((await t.stop({ graceMs: 10_000 })).status, 'cancelled');
      await gone(pid, GONE_MS);
    });

    test(`.stop() - the child is gone when the target ignores cancel and is terminated`, T, async () => {
      const { t, pid } = await started('ignore');
      assert.deepEqual(await t.stop({ graceMs: 50 }), { status: 'terminated' });
      await gone(pid, GONE_MS);
    });

    test(`completed - a child the target left running ends with the ${kind.toLowerCase()}`, T, async () => {
      const t = new Ctor({ target: spawnSleepAndReturn }).start();
      const pid = await t.result();
      await gone(pid, GONE_MS);
    });
  });
}

describe('Thread - children reported synchronously', () => {
  test('.terminate() - right after the spawn, the child is gone too', T, async () => {
    const slot = newFlag();
    const t = new Thread({ target: spawnSleepThenSpin, args: [slot] }).start();
    const pid = await waitFlag(slot);
    assert.deepEqual(await t.terminate(), { status: 'terminated' });
    await gone(pid, GONE_MS);
  });
});

describe('Process - its process group', () => {
  test('.kill() - the child the target spawned is gone too', T, async () => {
    const server = await pidServer();
    try {
      const p = new Process({ target: spawnSleep, args: [server.port, 'ignore'] }).start();
      const pid = await server.pid;
      assert.deepEqual(await p.kill(), { status: 'terminated' });
      await gone(pid, GONE_MS);
    } finally {
      server.close();
    }
  });
});
