// Seed 5: a thread blocked on a socket stops in milliseconds, no timeout loop; then forced stops.
import net from 'node:net';
import { once } from 'node:events';
import { Event, Thread, checkpoint } from 'threadkit';
import { readOnce } from './tasks/read-socket.ts';

// A server on 127.0.0.1 that accepts a connection and never sends anything.
const server = net.createServer();
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as net.AddressInfo;

const reader = new Thread({ name: 'reader', target: readOnce, args: [port] });
reader.start();
const [peer] = (await once(server, 'connection')) as [net.Socket];
console.log(`reader connected to port ${port} and waits for data that never comes`);

// Python needs sock.settimeout(5) and a loop that checks a flag after each timeout.
// Here cancel() aborts the thread's cancelSignal(), which destroys the socket and ends the wait.
let started = performance.now();
reader.cancel();
await reader.join();
console.log(`cancel() -> reader ended '${reader.outcome?.status}' in ${(performance.now() - started).toFixed(1)} ms`);
peer.destroy();
server.close();

// stop({ graceMs }) = cancel, wait up to graceMs, then terminate.
// A loop that checks for cancellation ends by itself within the grace period ...
// Each target sets an Event first, so the main side knows it has begun (recipe 12.2).
let begun = new Event();
const polite = new Thread({
  name: 'polite',
  target: (begun: Event) => {
    begun.set();
    for (;;) checkpoint();
  },
  args: [begun],
});
polite.start();
await begun.wait();
started = performance.now();
let outcome = await polite.stop({ graceMs: 1000 });
console.log(
  `stop({ graceMs: 1000 }) on a loop calling checkpoint() -> '${outcome.status}' in ${(performance.now() - started).toFixed(1)} ms`,
);

// ... one that never checks is terminated when the grace period is over.
begun = new Event();
const stuck = new Thread({
  name: 'stuck',
  target: (begun: Event) => {
    begun.set();
    for (;;) {
      /* never checks */
    }
  },
  args: [begun],
});
stuck.start();
await begun.wait();
started = performance.now();
outcome = await stuck.stop({ graceMs: 200 });
console.log(`stop({ graceMs: 200 }) on for (;;) {} -> '${outcome.status}' in ${(performance.now() - started).toFixed(1)} ms`);

// terminate() does not ask: it stops the thread now, no more of its code runs.
begun = new Event();
const stuckAgain = new Thread({
  name: 'stuck-again',
  target: (begun: Event) => {
    begun.set();
    for (;;) {
      /* never checks */
    }
  },
  args: [begun],
});
stuckAgain.start();
await begun.wait();
started = performance.now();
outcome = await stuckAgain.terminate();
console.log(`terminate() on for (;;) {} -> '${outcome.status}' in ${(performance.now() - started).toFixed(1)} ms`);
