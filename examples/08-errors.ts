// Errors: what a thread throws comes back with its class, code, cause and the thread's stack.
import { Thread } from 'threadkit';

// 1. The default excepthook prints "Exception in thread <name>:" and the stack to stderr,
//    and the error comes back from result(), rebuilt on this side.
const loader = new Thread({
  name: 'loader',
  target: (path: string) => {
    const cause = new Error(`ENOENT: no such file '${path}'`);
    throw Object.assign(new RangeError('config could not be loaded', { cause }), { code: 'E_CONFIG' });
  },
  args: ['settings.json'],
});
loader.start();
await loader.join(); // join() never rejects because of what the target did
console.log(`${loader.name} ended '${loader.outcome?.status}'`);
try {
  await loader.result();
} catch (error) {
  const e = error as RangeError & { code: string; cause: Error };
  console.log(`result() rejected: instanceof RangeError=${e instanceof RangeError}, code=${e.code}`);
  console.log(`  message: ${e.message}`);
  console.log(`  cause: ${e.cause.message}`);
  console.log(`  stack, from the thread: ${e.stack?.split('\n')[1]?.trim()}`);
}

// 2. Replace the hook to route thread errors elsewhere (a logger, a metrics counter, ...).
//    It is called once per thread that ends with an error; it never crashes this process.
Thread.excepthook = ({ thread, error }) => {
  console.log(`[excepthook] ${thread.name} failed: ${(error as Error).message}`);
};

// A plain function sees only its args, globals and threadkit's in-thread functions.
// Using a variable from around it is an error that names the variable and says what to do.
const factor = 3;
const scaler = new Thread({ name: 'scaler', target: (x: number) => x * factor, args: [2] });
scaler.start();
await scaler.join();
console.log(`${scaler.name} ended '${scaler.outcome?.status}'`);
