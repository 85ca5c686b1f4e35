// Seed 1–2: a thread from a target and args; isAlive() polled; join() waits for it to end.
import { Thread } from 'threadkit';
import { countdown } from './tasks/countdown.ts';

// Python: t = Thread(target=countdown, args=(10,)); t.start()
const t = new Thread({ target: countdown, args: [3, 300] });
console.log(`created ${t.name}: state=${t.state}, isAlive()=${t.isAlive()}`);

t.start(); // nothing runs until start()
console.log(`started ${t.name}: isAlive()=${t.isAlive()}`);

if (t.isAlive()) console.log('Still running');
else console.log('Completed');

// join(timeout) resolves false while the thread is still alive, like Python's join(timeout) + is_alive().
console.log(`join(100) -> ${await t.join(100)}`);

await t.join(); // waits for the target to return
if (t.isAlive()) console.log('Still running');
else console.log('Completed');

console.log(`outcome: ${JSON.stringify(t.outcome)}`);
