// Recipe 12.4: locking critical sections. Four threads add to one shared counter, without and with a Lock.
import { Lock, Thread } from 'threadkit';
import { increment } from './tasks/shared.ts';

const threads = 4;
const times = 200_000;

async function run(lock?: Lock): Promise<number> {
  const counter = new Int32Array(new SharedArrayBuffer(4)); // shared memory, seen by every thread
  const workers = Array.from({ length: threads }, () =>
    new Thread({ target: increment, args: lock === undefined ? [counter, times] : [counter, times, lock] }).start(),
  );
  await Promise.all(workers.map((w) => w.result()));
  return counter[0]!;
}

const expected = threads * times;
const unlocked = await run();
console.log(
  `without a lock: ${unlocked} of ${expected}${unlocked === expected ? ' (lucky this time)' : ` (${expected - unlocked} updates lost)`}`,
);
// Python: with self._value_lock: self._value += delta  --  here: using held = lock.holdSync()
const locked = await run(new Lock());
console.log(`with a Lock: ${locked} of ${expected} (exact: ${locked === expected})`);
