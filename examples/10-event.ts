// Recipe 12.2: determining if a thread has started. The thread sets an Event; the main thread waits on it.
import { Event, Thread } from 'threadkit';
import { countdown } from './tasks/shared.ts';

// Python: started_evt = Event(); t = Thread(target=countdown, args=(10, started_evt))
const started = new Event();
const t = new Thread({ name: 'countdown', target: countdown, args: [3, started] });
console.log('Launching countdown');
t.start();

// Python: started_evt.wait() -- no polling of t.state: the thread wakes us through shared memory.
await started.wait();
console.log('countdown is running');
console.log(`started.isSet() = ${started.isSet()}`);

await t.join();
console.log(`outcome: ${t.outcome?.status}`);
