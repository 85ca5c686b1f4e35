// OpenTelemetry without a dependency in threadkit: the diagnostics channels turned into spans, one per run, parented by the submitting context.
import dc from 'node:diagnostics_channel';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, SpanStatusCode, context, type Context, type ContextManager, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Event, Thread, ThreadPoolExecutor, checkpoint, type CancelMessage, type QueuedMessage, type TaskContext } from 'threadkit';

const SPAN = Symbol('otel.span');
const PARENT = Symbol('otel.parent');
type Traced = TaskContext & { [SPAN]?: Span; [PARENT]?: Context };

/**
 * The recipe: subscribes to threadkit's channels and makes one span per run (Thread, Process, pool
 * task) whose target began, from its `startTime` to its `endTime` (times in the performance.now()
 * timebase, which OpenTelemetry accepts as is). Its parent is the context active where the task was
 * submitted (`queued` is published inside submit(), in the caller's async context) or the Thread
 * started; a cancel is a span event; a failed run records its error. Returns the unsubscribe.
 */
export function traceThreadkit(tracer: Tracer): () => void {
  const onQueued = (message: unknown) => {
    (message as QueuedMessage).task[PARENT] = context.active();
  };
  const onCancel = (message: unknown) => {
    const { task, reason, ts } = message as CancelMessage;
    (task as Traced)[SPAN]?.addEvent('cancel', { 'threadkit.reason': String(reason) }, ts);
  };
  const handlers = {
    start(message: unknown) {
      const run = message as Traced;
      const attributes = {
        'threadkit.kind': run.kind,
        'threadkit.id': run.id,
        'thread.name': run.worker!.name,
        'thread.id': run.worker!.ident,
      };
      const parent = run[PARENT] ?? context.active();
      run[SPAN] = tracer.startSpan(run.name, { startTime: run.startTime, attributes }, parent);
      if (run.executor !== undefined) run[SPAN].setAttribute('threadkit.executor', run.executor);
    },
    error(message: unknown) {
      const run = message as Traced;
      run[SPAN]?.recordException(run.error instanceof Error ? run.error : String(run.error));
      run[SPAN]?.setStatus({ code: SpanStatusCode.ERROR });
    },
    end(message: unknown) {
      const run = message as Traced;
      run[SPAN]?.setAttribute('threadkit.status', run.status!);
      run[SPAN]?.end(run.endTime);
    },
    asyncStart() {},
    asyncEnd() {},
  };
  const task = dc.tracingChannel('threadkit:task');
  task.subscribe(handlers);
  dc.subscribe('threadkit:task:queued', onQueued);
  dc.subscribe('threadkit:task:cancel', onCancel);
  return () => {
    task.unsubscribe(handlers);
    dc.unsubscribe('threadkit:task:queued', onQueued);
    dc.unsubscribe('threadkit:task:cancel', onCancel);
  };
}

/** A context manager on AsyncLocalStorage (what @opentelemetry/context-async-hooks provides), so that context.active() follows awaits. */
class AlsContextManager implements ContextManager {
  readonly #als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A) {
    return this.#als.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    return typeof target === 'function'
      ? (((...args: unknown[]) => this.with(ctx, target as () => unknown, undefined, ...args)) as unknown as T)
      : target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#als.disable();
    return this;
  }
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function loop(started: Event): never {
  started.set();
  for (;;) checkpoint();
}

// The program: a request handler's span, under which a pool runs two tasks (one cancelled) and a Thread a report.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AlsContextManager());
const tracer = provider.getTracer('threadkit-example');
const stop = traceThreadkit(tracer);

const pool = new ThreadPoolExecutor({ maxWorkers: 2, name: 'otel' });
await tracer.startActiveSpan('handle request', async (request) => {
  const started = new Event();
  const sum = pool.run(fib, [20], { name: 'fib(20)' });
  const slow = pool.run(loop, [started], { name: 'slow loop' });
  await started.wait();
  slow.cancel('deadline passed');
  await Promise.all([sum, slow.stop()]);
  await new Thread({ target: () => 'done', name: 'report' }).start().join();
  request.end();
});
await pool.shutdown();
stop();

const spans = exporter.getFinishedSpans();
const byId = new Map(spans.map((s) => [s.spanContext().spanId, s.name]));
for (const span of spans) {
  const parent = span.parentSpanContext?.spanId;
  const events = span.events.map((e) => `${e.name}(${String(e.attributes?.['threadkit.reason'])})`).join(' ');
  const status = span.attributes['threadkit.status'] ?? '-';
  console.log(
    `span "${span.name}" parent="${parent === undefined ? '' : byId.get(parent)}" status=${String(status)}${events ? ` events=${events}` : ''}`,
  );
}
console.log(`${spans.length} spans, one trace: ${new Set(spans.map((s) => s.spanContext().traceId)).size === 1}`);
