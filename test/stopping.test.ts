// Stopping (issue 4): each kind of stuck thread stopped by the right call, well under a second.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { CancelledError, TerminatedError, Thread } from 'threadkit';
import { readSocket } from './fixtures/io.ts';
import { blockInNative } from './fixtures/native.ts';
import { newFlag, reached, show } from './support/flag.ts';
import { guardThreads, T } from './support/guard.ts';
import { signalThenCheckpoint, signalThenSleep, signalThenSleepForever, signalThenSpin } from './support/targets.ts';
import { timed } from './support/timed.ts';

guardThreads();

/** Generous bound for "stopped at once": the benchmark measures the real figures. */
const PROMPT_MS = 1_000;

/** Milliseconds from `t.cancel(reason)` until the thread has ended. */
async function cancelAndJoin(t: Thread, ...reason: [reason?: unknown]): Promise<number> {
  const { ms } = await timed(async () => {
    t.cancel(...reason);
    await t.join();
  });
  return ms;
}

/**
 * Resolves 'ok' or 'not-equal' as soon as `flag[1]` is no longer `seen` (the thread took a step),
 * or 'timed-out' when it stayed `seen` for `windowMs`.
 */
async function nextStep(flag: Int32Array, seen: number, windowMs: number): Promise<string> {
  const waited = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(flag, 1, seen, windowMs);
  if (!waited.async) return waited.value;
  // Atomics.waitAsync does not keep the event loop alive; once the thread is gone nothing else does.
  const keepAlive = setInterval(() => {}, 1_000);
  try {
    return await waited.value;
  } finally {
    clearInterval(keepAlive);
  }
}
type WaitAsync = (
  a: Int32Array,
  i: number,
  v: number,
  t: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

describe('cancel()', () => {
  test('.cancel() - a thread sleeping 5 s in sleepSync() ends at once', T, async () => {
    const flag = newFlag();
    const t = new Thread({ target: signalThenSleep, args: [flag, 5_000] }).start();
    await reached(t, flag);
    const ms = await cancelAndJoin(t);
    assert.ok(ms < PROMPT_MS, `took ${ms} ms`);
    assert.equal(t.outcome?.status, 'cancelled', show(t.outcome));
  });

  test('.cancel() - a thread blocked reading a socket that never sends ends at once (cancelSignal)', T, async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => void accepted.push(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    try {
      const flag = newFlag();
      const t = new Thread({ target: readSocket, args: [port, flag] }).start();
      await reached(t, flag);
      const ms = await cancelAndJoin(t, 'no data is coming');
      assert.ok(ms < PROMPT_MS, `took ${ms} ms`);
      assert.deepEqual(t.outcome, { status: 'cancelled', reason: 'no data is coming' });
      await assert.rejects(t.result(), CancelledError);
      // The socket the target left open was torn down with the thread.
      assert.equal(accepted.length, 1);
      const serverSide = accepted[0]!;
      if (!serverSide.closed) await once(serverSide, 'close');
    } finally {
      for (const socket of accepted) socket.destroy();
      server.close();
    }
  });

  test('.cancel() - a thread spinning on checkpoint() ends at once', T, async () => {
    const flag = newFlag();
    const t = new Thread({ target: signalThenCheckpoint, args: [flag] }).start();
    await reached(t, flag);
    const ms = await cancelAndJoin(t);
    assert.ok(ms < PROMPT_MS, `took ${ms} ms`);
    assert.equal(t.outcome?.status, 'cancelled');
  });

  test('.cancel() - does not stop a thread that never looks (for (;;) {})', T, async () => {
    const flag = newFlag();
    const t = new Thread({ target: signalThenSpin, args: [flag] }).start();
    await reached(t, flag);
    t.cancel();
    assert.equal(await t.join(200), false, 'cancel() is cooperative: a loop that never checks goes on');
    assert.equal(t.state, 'cancelling');
    await t.terminate();
  });
});

describe('terminate()', () => {
  test('.terminate() - a thread stuck in for (;;) {} ends at once as terminated', T, async () => {
    const flag = newFlag();
    const t = new Thread({ target: signalThenSpin, args: [flag] }).start();
    await reached(t, flag);
    const { ms } = await timed(() => t.terminate());
    assert.ok(ms < PROMPT_MS, `took ${ms} ms`);
    assert.deepEqual(t.outcome, { status: 'terminated' });
    await assert.rejects(t.result(), TerminatedError);
  });

  test('.terminate() - no more of its code runs after it settles', T, async () => {
    // The thread counts in shared memory and wakes every waiter on each step, so a waiter on the
    // counter is woken by the first step the thread takes. The probe must first see it run.
    const flag = newFlag(2);
    const t = new Thread({
      target: (f: Int32Array) => {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        for (;;) {
          Atomics.add(f, 1, 1);
          Atomics.notify(f, 1);
        }
      },
      args: [flag],
    }).start();
    await reached(t, flag);
    assert.notEqual(await nextStep(flag, Atomics.load(flag, 1), 10_000), 'timed-out', 'the probe sees the thread run');
    const outcome = await t.terminate();
    const atSettle = Atomics.load(flag, 1);
    // Absence can only be shown over a window: 300 ms in which one step of the thread would wake us.
    const after = await nextStep(flag, atSettle, 300);
    assert.equal(after, 'timed-out', `the thread ran after terminate() settled: counter ${atSettle} -> ${Atomics.load(flag, 1)}`);
    assert.deepEqual(outcome, { status: 'terminated' });
  });

  test('.terminate() - while starting gives outcome terminated, never completed (many times over)', T, async () => {
    for (let i = 0; i < 10; i += 1) {
      const t = new Thread({ target: () => 'completed' }).start();
      const outcome = await t.terminate();
      assert.deepEqual(outcome, { status: 'terminated' }, `round ${i}: ${show(outcome)}`);
    }
  });

  test('.terminate() - inside a blocking native call (execSync) settles once the call returns', T, async () => {
    const flag = newFlag(2);
    const t = new Thread({ target: blockInNative, args: [flag, 1] }).start();
    await reached(t, flag);
    const outcome = await t.terminate();
    assert.deepEqual(outcome, { status: 'terminated' });
    assert.equal(Atomics.load(flag, 1), 0, 'code after the native call ran');
  });
});

describe('stop()', () => {
  test('.stop() - resolves cancelled when the thread cooperates within the grace period', T, async () => {
    const flag = newFlag();
    const t = new Thread({ target: signalThenSleepForever, args: [flag] }).start();
    await reached(t, flag);
    const { value: outcome, ms } = await timed(() => t.stop({ graceMs: 5_000 }));
    assert.equal(outcome.status, 'cancelled', show(outcome));
    assert.ok(ms < PROMPT_MS, `took ${ms} ms: stop() waited out the grace period`);
  });

  test('.stop() - escalates to terminate() when the thread ignores cancel', T, async () => {
    const flag = newFlag();
    const t = new Thread({ target: signalThenSpin, args: [flag] }).start();
    await reached(t, flag);
    const { value: outcome, ms } = await timed(() => t.stop({ graceMs: 100 }));
    assert.deepEqual(outcome, { status: 'terminated' });
    assert.ok(ms >= 90, `terminated after ${ms} ms, before the grace period ended`);
    assert.ok(ms < 100 + PROMPT_MS, `took ${ms} ms`);
  });

  test('.stop() - defaults to a 1000 ms grace period', T, async () => {
    const flag = newFlag();
    const t = new Thread({ target: signalThenSpin, args: [flag] }).start();
    await reached(t, flag);
    const { ms } = await timed(() => t.stop());
    assert.deepEqual(t.outcome, { status: 'terminated' });
    assert.ok(ms >= 950, `terminated after ${ms} ms`);
  });

  test('.stop() - settles for a thread inside a blocking native call (execSync)', T, async () => {
    const flag = newFlag(2);
    const t = new Thread({ target: blockInNative, args: [flag, 1] }).start();
    await reached(t, flag);
    const outcome = await t.stop({ graceMs: 50 });
    assert.ok(outcome.status === 'terminated' || outcome.status === 'cancelled', show(outcome));
    assert.equal(t.isAlive(), false);
  });
});
