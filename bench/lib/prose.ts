// One paragraph per metric for BENCHMARKS.md: what the figure means for a user. Every figure in the
// text is filled in from the results, so the document never carries a hand-typed number.
import { compare, fmt, fmtRatio, type Comparison } from './compare.ts';
import { CHECK_INTERVAL_MS, GRACE_MS, HOST_TIMEOUT_MS } from './distributed.ts';
import { PEERS, type Impl, type Peer, type ResultsFile } from './results.ts';

/** A figure with its unit as prose writes it: "12.3 ms", "93 µs", "1.9×". */
const withUnit = (value: number, unit: string): string =>
  unit === 'x' ? `${fmt(value)}×` : `${fmt(value)} ${unit === 'us' ? 'µs' : unit}`;

/** Figures of one metric, formatted for prose; "n/a" where an implementation has no result. */
class Figures {
  constructor(private readonly c: Comparison | undefined) {}
  /** Median with its unit, e.g. "12.3 ms". */
  m(impl: Impl): string {
    const r = this.c?.byImpl.get(impl);
    return r ? withUnit(r.median, r.unit) : 'n/a';
  }
  /** p95 with its unit. */
  p95(impl: Impl): string {
    const r = this.c?.byImpl.get(impl);
    return r ? withUnit(r.p95, r.unit) : 'n/a';
  }
  get toRaw(): string {
    return fmtRatio(this.c?.toRaw);
  }
  /** threadkit's median over the best peer's, with the peer's name: "0.52× piscina". */
  get toBestPeer(): string {
    const best = this.c?.bestPeer;
    return best ? `${fmtRatio(best.ratio)} ${best.peer}` : 'n/a';
  }
  /** Every peer's median that was measured: "piscina 1.2 ms, tinypool 1.3 ms, ...". */
  get peers(): string {
    return PEERS.filter((p) => this.c?.byImpl.has(p))
      .map((p) => `${p} ${this.m(p)}`)
      .join(', ');
  }
  get has(): boolean {
    return this.c !== undefined;
  }
  /**
   * `text` then the peer's median (with its p95 where lower is better) and its median over raw's, as a
   * sentence: "multithreading's Mutex: 4.1 µs (p95 9.0 µs, 80× raw)."; "" when the peer has no result.
   */
  peer(peer: Peer, text: string): string {
    const r = this.c?.byImpl.get(peer);
    const raw = this.c?.byImpl.get('raw');
    if (!r) return '';
    const figures = [
      this.c?.better === 'lower' ? `p95 ${this.p95(peer)}` : '',
      raw && raw.median !== 0 ? `${fmtRatio(r.median / raw.median)} raw` : '',
    ].filter(Boolean);
    return ` ${text} ${this.m(peer)}${figures.length > 0 ? ` (${figures.join(', ')})` : ''}.`;
  }
}

/** Whether the run measured `peer` at all (so that prose may say where it has no equivalent). */
const ran = (file: ResultsFile, peer: Peer): boolean => file.results.some((r) => r.impl === peer);

type Paragraph = (f: Figures, file: ResultsFile) => string;

/** "1.2× the 84.2 µs of" (threadkit's cancel-blocked-get over its cancel-blocked-sleep), or "n/a against". */
function cancelSleepRatio(file: ResultsFile): string {
  const tk = (metric: string) => file.results.find((r) => r.metric === metric && r.impl === 'threadkit')?.median;
  const [get, sleep] = [tk('cancel-blocked-get'), tk('cancel-blocked-sleep')];
  return get !== undefined && sleep !== undefined ? `${fmtRatio(get / sleep)} the ${withUnit(sleep, 'us')} of` : 'n/a against';
}

/** threadkit's median of `metric` in the run, with its unit ("n/a" when not measured). */
function own(file: ResultsFile, metric: string): string {
  const r = file.results.find((x) => x.metric === metric && x.impl === 'threadkit');
  return r ? withUnit(r.median, r.unit) : 'n/a';
}

/** threadkit's median of `a` over its median of `b`, as "1.2×" ("n/a" when either is missing). */
function ownRatio(file: ResultsFile, a: string, b: string): string {
  const m = (metric: string) => file.results.find((x) => x.metric === metric && x.impl === 'threadkit')?.median;
  const [x, y] = [m(a), m(b)];
  return x !== undefined && y !== undefined && y !== 0 ? fmtRatio(x / y) : 'n/a';
}

const PARAGRAPHS: Record<string, Paragraph> = {
  'thread-start': (f) =>
    `**thread-start** — from \`new Thread(...).start()\` to the first line of the target: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), against ${f.m('raw')} for a bare \`new Worker(file)\` to its first line (${f.toRaw}). Nearly all of it is Node creating a V8 isolate and an event loop; threadkit adds loading its in-thread runtime and the target's source. The peers' figure is a cold pool (constructor → first task running: ${f.peers}), paid once per pool; every threadkit Thread pays its start, because a Thread is one task's own thread. For thousands of short tasks a pool is the right tool; for work you start, watch and stop one by one, this is the price of a thread.`,
  terminate: (f) =>
    `**terminate** — \`terminate()\` of a thread stuck in \`for (;;)\`, until it is gone: ${f.m('threadkit')}, raw \`worker.terminate()\` ${f.m('raw')} (${f.toRaw}). Destroying a one-worker pool whose task spins: ${f.peers} (workerpool's \`pool.terminate(true)\` first asks the busy worker to clean up and waits \`workerTerminateTimeout\`, 1 s by default, before it kills it; poolifier's \`destroy()\` sends the busy worker a kill message and waits 1 s for its answer before it terminates it).`,
  'cancel-blocked-sleep': (f) =>
    `**cancel-blocked-sleep** — \`cancel()\` → a thread blocked in \`sleepSync()\` runs again: ${f.m('threadkit')} median, p95 ${f.p95('threadkit')}; the bare \`Atomics.notify\` → \`Atomics.wait\` wake, measured the same way, ${f.m('raw')} (${f.toRaw}). Both figures include the call that wakes the thread (\`cancel()\` / \`Atomics.notify\`). This is the operating system waking a sleeping thread, so raw is the floor. A Python thread in \`time.sleep()\` cannot be woken at all; it sees its stop flag when the sleep ends. None of the peers can reach a task inside the worker.`,
  'cancel-async-sleep': (f) =>
    `**cancel-async-sleep** — \`cancel()\` → \`await sleep()\` resumes in a thread whose event loop is free: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), raw \`Atomics.waitAsync\` ${f.m('raw')} (${f.toRaw}). The same holds for anything waiting on \`cancelSignal()\`: the abort is delivered by the thread's own event loop, a turn later than a blocked wake.`,
  'cancel-polling': (f) =>
    `**cancel-polling** — \`cancel()\` → a loop \`while (!cancelled())\` exits: ${f.m('threadkit')}, raw loop on \`Atomics.load\` ${f.m('raw')} (${f.toRaw}). The store itself reaches another core in about a microsecond; on a machine with as few cores as this one most of the figure is the time until the scheduler runs the spinning thread again.`,
  'cancel-check-cost': (f) =>
    `**cancel-check-cost** — one \`cancelled()\` in a hot loop costs ${f.m('threadkit')}, a bare \`Atomics.load\` ${f.m('raw')} (${f.toRaw}): cheap enough to check on every iteration of any loop that does real work.`,
  'cancel-running-task': (f) =>
    `**cancel-running-task** — cancelling a running task on a pool of one worker, until the caller's promise settles. threadkit: \`future.cancel()\` wakes the task blocked in \`sleepSync()\`, the task returns, and the future settles after ${f.m('threadkit')}, the worker kept (a raw worker whose CPU-bound loop checks a flag and answers with a message: ${f.m('raw')}, ${f.toRaw}). The peers reject the promise without reaching the task (${f.peers}): piscina and tinypool abort by terminating the worker, workerpool's \`cancel()\` terminates it after its cleanup timeout. poolifier is not in the row: its abort is a message to the worker, which a busy worker never reads, so a task that does not yield goes on and its promise never settles.`,
  'cancel-running-task-next': (f) =>
    `**cancel-running-task-next** — the same cancel, until the next task runs on the freed capacity (the pool's one worker). threadkit: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}): the cancelled task returns and the same warm worker takes the next one (${f.toBestPeer}); the hand-written reusable worker with a cooperative flag: ${f.m('raw')} (${f.toRaw}). The peers must replace the killed worker first (${f.peers}) — for that long the pool can run nothing (workerpool waits \`workerTerminateTimeout\`, 1 s by default, for the busy worker to answer a cleanup request, then as long again for it to exit, and only then kills it).`,
  'cpu-speedup': (f, file) =>
    `**cpu-speedup** — one CPU-bound batch (4 tasks per core) on all ${file.cpus} cores against the same batch serial on the main thread: threadkit ${f.m('threadkit')} (${f.toBestPeer}), raw ${f.m('raw')}, ${f.peers}. Every implementation runs it on warm threads started before the timing: threadkit a \`ThreadPoolExecutor\` with one \`submit()\` per task, the peers their pool with one \`run()\` per task, raw one reusable Worker per thread that gets its whole share in one message (no per-task dispatch: the floor). The \`cpu-speedup@k\` rows give the same at k threads, so a run on a bigger machine shows the scaling.`,
  'memory-per-thread': (f) =>
    `**memory-per-thread** — resident memory added by each live, idle thread: threadkit ${f.m('threadkit')}, raw Worker ${f.m('raw')} (${f.toRaw}), one pool worker of ${f.peers}. A thread is a V8 isolate with its own heap and event loop: a hundred idle threads hold several hundred MiB, so size thread counts to the work, not to the number of requests.`,
  'process-start': (f) =>
    `**process-start** — \`new Process(...).start()\` to the target's first line: ${f.m('threadkit')}, raw \`child_process.fork()\` of a small script to its first line ${f.m('raw')} (${f.toRaw}). A child process is a whole Node runtime. threadkit's child runs the target on its own main thread; a small watcher thread, started alongside, takes cancels from a control socket, and one IPC round trip before the target begins makes sure a cancel sent while starting stops it from running at all.`,
  'process-cancel-blocked-sleep': (f) =>
    `**process-cancel-blocked-sleep** — \`cancel()\` → a child process blocked in \`sleepSync()\` runs again: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}); raw, one IPC message to an idle child (\`child.send()\` → its \`'message'\` handler): ${f.m('raw')} (${f.toRaw}). Shared memory cannot cross processes, so the cancel takes two hops: over a socket to the child's watcher thread, then \`Atomics.notify\` to the blocked main thread. On this virtual machine each hop that wakes an idle thread costs several hundred microseconds; a raw IPC message wakes an event loop but not a blocked thread, which no message can reach.`,
  'process-terminate': (f) =>
    `**process-terminate** — \`terminate()\` of a child blocked in \`sleepSync()\` until it has exited: ${f.m('threadkit')}, raw \`child.kill('SIGTERM')\` → \`'exit'\` of an idle child ${f.m('raw')} (${f.toRaw}).`,
  'memory-per-process': (f) =>
    `**memory-per-process** — resident memory of a live, idle child: threadkit ${f.m('threadkit')} (the child process and its small watcher thread), raw forked script ${f.m('raw')} (${f.toRaw}).`,
  'pool-task-start': (f) =>
    `**pool-task-start** — \`pool.submit(task)\` → the task's first line, on a warm worker that has been idle for 2 ms (a one-worker pool): threadkit ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), raw \`postMessage\` → the \`'message'\` handler of an idle Worker ${f.m('raw')} (${f.toRaw}); ${f.peers}. Most of it is the operating system waking the idle thread; it is what a pool saves over a new thread for every task (compare thread-start, in milliseconds).`,
  'pool-round-trip': (f) =>
    `**pool-round-trip** — one \`await pool.submit(trivial)\` after another on a one-worker pool: threadkit ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), raw \`postMessage\` + reply message ${f.m('raw')} (${f.toRaw}); ${f.peers}. A round trip is two messages and two wake-ups; the rest is each pool's bookkeeping (futures, queues, task ids).`,
  'tiny-task-throughput': (f) =>
    `**tiny-task-throughput** — trivial tasks all submitted at once, then all awaited, on a warm pool of one worker per core: threadkit ${f.m('threadkit')} (${f.toBestPeer}), raw \`postMessage\` round-robin to one Worker per core ${f.m('raw')} (${f.toRaw}); ${f.peers}. piscina and tinypool (\`concurrentTasksPerWorker: 1\`) and workerpool send a worker its next task only once it has answered the last, so their rate is one round trip per task per worker; raw keeps every worker's port full.`,
  'pool-queued-memory': (f) =>
    `**pool-queued-memory** — main-thread heap (\`heapUsed + external\`, after gc) added by 10 000 trivial submits waiting behind one busy worker: threadkit ${f.m('threadkit')}, ${f.peers}; raw ${f.m('raw')} is only its promises, since raw posts every message to the worker at once and the port holds them outside the heap (as does poolifier without its tasks queue, for the tasks it has already sent).`,
  'process-pool-round-trip': (f) =>
    `**process-pool-round-trip** — one \`await processPool.submit(trivial)\` after another on a warm \`ProcessPoolExecutor\` of one worker: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}); raw, \`child.send()\` to a forked child that sends the message back: ${f.m('raw')} (${f.toRaw}); the peers' one-process pools: ${f.peers}. Two IPC messages through the kernel and two event-loop wake-ups are the floor for any process pool.`,
  'event-wake': (f) =>
    `**event-wake** — \`event.set()\` → the first line after \`event.waitSync()\` in a thread blocked for 5 ms: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), raw \`Atomics.notify\` → \`Atomics.wait\` ${f.m('raw')} (${f.toRaw}). As for cancel-blocked-sleep, this is the operating system waking a sleeping thread, so raw is the floor.${f.peer('multithreading', 'multithreading has no event; built from its primitives as Python builds one (a flag under its `Mutex`, set, then `Condvar.notifyAll()`), to the first line after `Condvar.blockingWait(guard)` has returned with the lock retaken:')}`,
  'lock-uncontended': (f) =>
    `**lock-uncontended** — one \`lock.acquireSync()\` + \`release()\` in a single thread, in a hot loop: ${f.m('threadkit')}, a bare \`compareExchange\` spin-lock ${f.m('raw')} (${f.toRaw}).${f.peer('multithreading', "multithreading's `Mutex`, `blockingLock()` + `guard.dispose()` (each `blockingLock()` allocates a `MutexGuard`, whose private fields the package's build compiles to `WeakMap`s):")}`,
  'lock-contended': (f) =>
    `**lock-contended** — acquisitions per second of two threads incrementing one plain counter under the lock (checked exact at the end): threadkit ${f.m('threadkit')}, raw ${f.m('raw')} (${f.toRaw}) with a futex-style lock (\`compareExchange\`, a short spin, then \`Atomics.wait\`/\`notify\`). Under contention most of the figure is how often the lock passes between the threads and how often a thread must sleep and be woken.${f.peer('multithreading', "multithreading's `Mutex` over the counter's `Int32Array` (`guard.value[0] += 1`), which does not spin (a thread that finds it taken goes straight to `Atomics.wait`) and calls `Atomics.notify` on every release:")}`,
  'queue-throughput': (f) =>
    `**queue-throughput** — a producer thread \`putSync()\`s small \`{ id, name }\` items, a consumer thread \`getSync()\`s them: threadkit ${f.m('threadkit')}, raw \`postMessage\` of the same items between two Workers over a \`MessagePort\` ${f.m('raw')} (${f.toRaw}). A threadkit \`Queue\` clones each item into shared memory bounded by \`maxBytes\` (1 MiB by default), so a producer that runs ahead blocks instead of growing the heap without bound as a port does.${f.peer('multithreading', "multithreading's `channel()`, `blockingSend()` → `blockingRecv()` through its `SharedJsonBuffer` at its default capacity of 32 items:")}`,
  'queue-latency': (f) =>
    `**queue-latency** — \`await queue.put(item)\` on the main thread → a thread blocked in \`queue.getSync()\` returns: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}); raw, a blocking get built from bare primitives (\`postMessage\` + \`Atomics.notify\` → \`Atomics.wait\`, then \`receiveMessageOnPort\`): ${f.m('raw')} (${f.toRaw}).${f.peer('multithreading', 'multithreading, `await tx.send(item)` → a task blocked in `rx.blockingRecv()` returns:')}`,
  'process-queue-op': (f, file) =>
    `**process-queue-op** — one \`putSync()\` + \`getSync()\` pair on a \`Queue\` passed to a Process, which the parent serves (shared memory cannot cross processes): ${f.m('threadkit')} (p95 ${f.p95('threadkit')}); raw, the same two operations as two IPC round trips from a forked child to a parent that holds the items: ${f.m('raw')} (${f.toRaw}).${ran(file, 'multithreading') ? ' multithreading has threads only: its objects cannot reach a child process.' : ''}`,
  'cancel-blocked-get': (f, file) =>
    `**cancel-blocked-get** — \`cancel()\` → a thread blocked in \`queue.getSync()\` resumes (in its \`catch\`): ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), ${cancelSleepRatio(file)} threadkit's cancel-blocked-sleep; raw, the bare \`Atomics.notify\` → \`Atomics.wait\` wake of that metric, measured again here: ${f.m('raw')} (${f.toRaw}). A cancel reaches a thread blocked on a shared object as it reaches one in \`sleepSync()\`.${ran(file, 'multithreading') ? " multithreading has no equivalent: `JoinHandle.abort()` settles only the caller's promise, and nothing reaches a task blocked in `blockingRecv()` short of closing the channel or `shutdown()`, which terminates every worker of its pool." : ''}`,
  'scope-cancel-fanout-8-threads': (f, file) =>
    `**scope-cancel-fanout** — a \`TaskScope\` whose children are parked in \`sleepSync()\`, then a failed child added: from \`add()\` to the last sibling running again. 8 threads: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), ${ownRatio(file, 'scope-cancel-fanout-8-threads', 'scope-cancel-single')} a single cancel of a blocked thread in the same run (${own(file, 'scope-cancel-single')}); 2 threads ${own(file, 'scope-cancel-fanout-2-threads')}, 32 threads ${own(file, 'scope-cancel-fanout-32-threads')}, 8 pool tasks ${own(file, 'scope-cancel-fanout-8-pool-tasks')}. The same 8 threads cancelled by a plain loop of \`cancel()\`, without a scope: ${own(file, 'scope-cancel-loop-8-threads')}. The scope raises every flag in one pass; what follows is the operating system running the woken threads, each of which then ends its thread, on as many cores as the machine has.`,
  'scope-overhead': (f, file) =>
    `**scope-overhead** — \`new TaskScope()\`, \`scope.submit(pool, trivial)\` and \`await scope.join()\` on a warm one-worker pool: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), against a plain \`await pool.submit(trivial)\` in the same loop, ${own(file, 'scope-overhead-plain')} (${ownRatio(file, 'scope-overhead', 'scope-overhead-plain')}).`,
  'observe-overhead: no subscriber': (f, file) =>
    `**observe-overhead** — tiny-task throughput of a two-worker pool against the same build with its instrumentation bypassed (${own(file, 'observe-overhead: bypass (tasks/s)')}), in alternating rounds: nobody subscribed ${f.m('threadkit')} the bypass (per CPU second ${own(file, 'observe-overhead: no subscriber, per CPU s')}), a \`threadkit:task\` TracingChannel subscriber ${own(file, 'observe-overhead: tracing subscriber')}, recording a timeline ${own(file, 'observe-overhead: timeline')}. With nobody listening, threadkit checks \`hasSubscribers\` and builds nothing; what remains is the always-on metrics' clock reading per task.`,
  'metrics-cost': (f) =>
    `**metrics-cost** — the always-on work of \`pool.metrics()\` per task (its wait, run and cancel-latency histograms and counters), on task-shaped objects in a hot loop that also allocates them: ${f.m('threadkit')}.`,
  'distributed-round-trip': (f) =>
    `**distributed-round-trip** — one \`await executor.submit(trivial)\` after another through a real Redis to a host process of one warm worker: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}); raw BullMQ, \`Queue.add\` → a Worker of concurrency 1 in its own process → \`job.waitUntilFinished(queueEvents)\`: ${f.m('raw')} (${f.toRaw}). On top of BullMQ's own work, the host checks in Redis that the job may begin (never begun before, not cancelled) and waits for the answer, writes the outcome's record and event, and hands the job to its pool's worker thread and back.`,
  'distributed-throughput': (f) =>
    `**distributed-throughput** — trivial jobs all submitted at once, then all awaited, on one host process of two warm workers: ${f.m('threadkit')}; raw BullMQ, the same jobs added at once to one Worker of concurrency 2 in its own process, until the last \`completed\` event: ${f.m('raw')} (${f.toRaw}).`,
  'distributed-cancel-wake': (f) =>
    `**distributed-cancel-wake** — \`executor.future(id).cancel()\` in a second, already connected client process → the job blocked in \`sleepSync()\` on its host runs again: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), one Redis pub/sub hop and the host's cancel flag. Raw BullMQ cannot: \`worker.cancelJob(id)\` reaches a job only from the process whose Worker took it, and only a job that checks its signal.`,
  'distributed-deadline-next': (f) =>
    `**distributed-deadline-next** — \`run(spin, [], { signal: AbortSignal.timeout(100) })\` on a host of one worker, the job spinning in \`for (;;) {}\` and the client's \`graceMs\` ${GRACE_MS}: from the abort to the first line of the host's next job, ${f.m('threadkit')} (p95 ${f.p95('threadkit')}). The spinning job ends \`terminated\` about \`graceMs\` after the abort; the rest is the pool's replacement worker starting. Raw BullMQ has no deadline that stops a job that does not check.`,
  'distributed-host-kill': (f) =>
    `**distributed-host-kill** — SIGKILL of the host process running a job → the job's future fails with \`ThreadCrashedError\` naming the host: ${f.m('threadkit')} (p95 ${f.p95('threadkit')}), with \`hostTimeoutMs\` ${HOST_TIMEOUT_MS} and the client's \`checkIntervalMs\` ${CHECK_INTERVAL_MS}; the client notices by itself, no other host needed.`,
};

/** The paragraphs, in the order of the results, for every metric that has one. */
export function paragraphs(file: ResultsFile): string[] {
  const byMetric = new Map(compare(file.results).map((c) => [c.metric, c] as const));
  return Object.entries(PARAGRAPHS)
    .map(([metric, write]) => ({ f: new Figures(byMetric.get(metric)), write }))
    .filter(({ f }) => f.has)
    .map(({ f, write }) => write(f, file));
}
