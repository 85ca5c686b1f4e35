// Seed 8: the same countdown task, neutral to the means of concurrency: inline, then in a Process.
import { Process, sleep } from 'threadkit';
import { countdown } from './tasks/countdown.ts';

// The task is a plain function too: called in place, it runs on the main thread (nothing cancels it).
console.log('inline:');
countdown(2, 100);

// Python: p = multiprocessing.Process(target=c.run); p.start()
const p = new Process({ name: 'countdown-process', target: countdown, args: [10, 2000] });
p.start();
console.log(`in a child process: ${p.name} started, pid ${p.pid}`);

// Wait until the countdown has begun in the child, let it count for half a second, then stop it
// early: cancel() reaches the child while it sleeps, and stop() would terminate it if it did not
// end within the grace period.
while (p.state === 'starting') await sleep(10);
console.log(`join(500) -> ${await p.join(500)} (still counting)`);
const started = performance.now();
const outcome = await p.stop({ graceMs: 1000 });
console.log(`stop() -> '${outcome.status}' in ${(performance.now() - started).toFixed(1)} ms`);
console.log(`isAlive()=${p.isAlive()}, exitCode=${p.exitCode}, signalCode=${p.signalCode}`);
