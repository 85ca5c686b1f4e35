// Seed 3: a daemon thread runs forever in the background and does not hold the program open.
import { Event, Thread, sleep, sleepSync } from 'threadkit';

// A plain function target: it sees its args, JavaScript's globals and threadkit's in-thread
// functions (sleepSync here) by their own names. `started` is an Event it sets once it has begun.
const started = new Event();
const heartbeat = new Thread({
  name: 'heartbeat',
  daemon: true, // Python: Thread(target=..., daemon=True)
  target: (periodMs: number, started: Event) => {
    started.set();
    for (let beat = 1; ; beat += 1) {
      console.log(`heartbeat ${beat}`);
      sleepSync(periodMs);
    }
  },
  args: [150, started],
});
heartbeat.start();

// Wait until the heartbeat has begun: the same Event object, set in the thread, seen here.
await started.wait();
console.log('main: working for a moment while the heartbeat runs');
await sleep(500);
console.log(`main: done; heartbeat.isAlive()=${heartbeat.isAlive()}, daemon=${heartbeat.daemon}`);

process.on('exit', () => {
  // Nothing joins the daemon, so it does not keep the process alive: it is destroyed with it.
  console.log('main: nothing left to do, the process exits with the daemon thread still running');
});
