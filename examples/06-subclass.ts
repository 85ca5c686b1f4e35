// Seed 7: subclassing Thread and overriding run(), as Python's class CountdownThread(Thread).
import { Thread, cancelled, currentThread, sleepSync } from 'threadkit';

class CountdownThread extends Thread {
  n: number;
  periodMs: number;

  constructor(n: number, periodMs = 200) {
    super({ name: `countdown-from-${n}` });
    this.n = n;
    this.periodMs = periodMs;
  }

  /** Runs in the thread, on a copy of this instance's data fields (n, periodMs). */
  override run(): string {
    while (!cancelled() && this.n > 0) {
      this.tick();
      sleepSync(this.periodMs);
    }
    return `${currentThread().name} stopped at n = ${this.n}`;
  }

  /** Another method of the subclass, callable on `this` inside the thread. */
  tick(): void {
    console.log('T-minus', this.n);
    this.n -= 1;
  }
}

const t = new CountdownThread(3);
t.start();
console.log(`${t.name} started; isAlive()=${t.isAlive()}`);
console.log(`result: ${String(await t.result())}`);
// Unlike Python, the thread worked on a copy: the fields on this side are as they were.
console.log(`after join: isAlive()=${t.isAlive()}, n on the main side is still ${t.n}`);
