// Seed 8: the same countdown task, neutral to the means of concurrency: inline, then in a Process.
import { Event, Process } from 'threadkit';
import { countdown } from './tasks/countdown.ts';

// The task is a plain function too: called in place, it runs on the main thread (nothing cancels it).
console.log('inline:');
countdown(2, 100);

// Python: p = multiprocessing.Process(target=c.run); p.start()
// The Event is the same object in the child: the parent serves it (shared memory cannot cross processes).
const begun = new Event();
const p = new Process({ name: 'countdown-process', target: countdown, args: [10, 2000, begun] });
p.start();
console.log(`in a child process: ${p.name} started, pid ${p.pid}`);

// Wait until the countdown has begun in the child (it sets the Event), let it count for half a
// second, then stop it early: cancel() reaches the child while it sleeps, and stop() would
// terminate it if it did not end within the grace period.
await begun.wait();
console.log(`join(500) -> ${await p.join(500)} (still counting)`);
const started = performance.now();
const outcome = await p.stop({ graceMs: 1000 });
console.log(`stop() -> '${outcome.status}' in ${(performance.now() - started).toFixed(1)} ms`);
console.log(`isAlive()=${p.isAlive()}, exitCode=${p.exitCode}, signalCode=${p.signalCode}`);
