// A TaskScope with a deadline over a cooperative thread and a stubborn pool task: when the deadline
// passes, both get their cancel; the cooperative one ends 'cancelled' at once, the stubborn one is
// terminated graceMs later (its worker replaced). join() throws TimeoutError, and nothing is left running.
import { TaskScope, ThreadPoolExecutor, TimeoutError, checkpoint, enumerate, sleepSync } from 'threadkit';

/** Works in steps, sleeping between them; checkpoint() gives up when cancelled. */
function cooperative(steps: number): string {
  for (let i = 0; i < steps; i += 1) {
    sleepSync(100);
    checkpoint();
  }
  return 'cooperative: all steps done';
}

/** Spins without ever looking at its cancel: only a terminate ends it. */
function stubborn(): never {
  for (;;);
}

await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
const started = performance.now();
const scope = new TaskScope({ deadlineMs: 300, graceMs: 200, name: 'deadline scope' });
const thread = scope.thread(cooperative, 100);
const task = scope.submit(pool, stubborn);
try {
  await scope.join();
} catch (error) {
  console.log(`join() threw ${error instanceof TimeoutError ? 'TimeoutError' : String(error)}: ${(error as Error).message}`);
}
const tookMs = performance.now() - started;
console.log(`cooperative thread: ${thread.outcome?.status} (it stopped at its next checkpoint)`);
console.log(`stubborn pool task: ${task.outcome?.status} (it ignored its cancel; terminated after graceMs)`);
console.log(`the scope ended after ${tookMs.toFixed(0)} ms (deadline 300 ms + grace 200 ms)`);
console.log(`threads still alive: ${enumerate().length}; pool workers terminated: ${pool.stats.terminated}`);
