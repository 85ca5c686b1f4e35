// threadkit's public API: re-exports only.
// The reference keeps Node's types (NodeJS.Signals, AbortSignal, URL) in a consumer's program
// that does not list them itself (TypeScript 6+ defaults `types` to []); `preserve` keeps it in
// the emitted index.d.ts.
/// <reference types="node" preserve="true" />

export { Thread } from './thread.js';
export { Process } from './process.js';
export { task, type Target, type ModuleRef } from './backend/task.js';
export { cancelled, checkpoint, sleepSync, sleep, cancelSignal, currentThread, type ThreadInfo } from './memory/runtime.js';
export { mainThread, enumerate, activeCount } from './introspect.js';
export { stopAll, stopOnSignals, type StopOnSignalsOptions } from './shutdown.js';
export { ThreadPoolExecutor } from './executor/thread-pool.js';
export { ProcessPoolExecutor } from './executor/process-pool.js';
export { Future, type FutureState } from './executor/future.js';
export { asCompleted, wait, type Completed, type ReturnWhen, type WaitOptions } from './executor/wait.js';
export type { Executor, ExecutorOptions, ExecutorStats, RunOptions, ShutdownOptions } from './executor/executor.js';
export type { MapOptions } from './executor/map.js';
export { TaskScope, type TaskScopeOptions, type TaskScopeState, type ScopePolicy, type ScopeChild } from './scope/task-scope.js';
export { startTimeline, type Timeline, type Trace, type TraceEvent } from './timeline/recorder.js';
export { timelineSvg, type TimelineSvgOptions } from './timeline/svg.js';
export type { PoolMetrics, WorkerMetrics, MetricsOptions, Histogram } from './executor/metrics.js';
export type {
  TaskContext,
  WorkerRef,
  RunKind,
  RunStatus,
  QueuedMessage,
  CancelMessage,
  TerminateMessage,
  TerminateReason,
  SettledMessage,
  WorkerSpawnMessage,
  WorkerExitMessage,
  WorkerExitReason,
} from './observe/channels.js';
export {
  ThreadStateError,
  CancelledError,
  TerminatedError,
  ThreadCrashedError,
  TimeoutError,
  TaskError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  BrokenBarrierError,
  ExecutorShutDownError,
} from './errors.js';
export {
  Event,
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  Condition,
  Barrier,
  Queue,
  type QueueOptions,
  type Held,
} from './shared/index.js';
export type { ThreadState, Outcome, ResourceLimits } from './core/lifecycle.js';
export type { ThreadOptions, StopOptions, ArgsOf, ResultOf } from './core/thread-options.js';
export type { ExceptHook, ExceptHookInfo } from './core/excepthook.js';
