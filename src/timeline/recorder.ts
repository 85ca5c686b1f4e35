// startTimeline(): an ordinary subscriber to the channels of API.md 11.1 that records a Chrome Trace Event file (Perfetto, chrome://tracing).

import dc from 'node:diagnostics_channel';
import { writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';
import {
  CHANNELS,
  type CancelMessage,
  type QueuedMessage,
  type TaskContext,
  type TerminateMessage,
  type WorkerRef,
} from '../observe/channels.js';

/** One event of the Trace Event Format (the fields threadkit writes). */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'M' | 'i' | 's' | 'f';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: 'e';
  s?: 't';
  args?: Record<string, unknown>;
}

/** What stop() returns: a Chrome Trace Event JSON object. */
export interface Trace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: { startedAt: number; stoppedAt: number; recorder: 'threadkit' };
}

/** A running recording. */
export interface Timeline {
  /** Stops recording (unsubscribes) and returns the trace; idempotent (the same object again). */
  stop(): Trace;
  /** stop(), then writes the trace as JSON to `path`; resolves with the same object, rejects with the file system's error. */
  write(path: string): Promise<Trace>;
}

/** ms (performance.now()) -> µs with at most nanosecond precision. */
const us = (ms: number): number => Math.round(ms * 1e6) / 1e3;

/** A cancel's or terminate's reason as a string: a string as is, an Error as `Name: message`, anything else as JSON. */
function reasonText(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/** A track: pid and tid of the thread or process that ran a run. */
function trackOf(worker: WorkerRef): { pid: number; tid: number } {
  return worker.pid === process.pid ? { pid: process.pid, tid: worker.ident } : { pid: worker.pid, tid: worker.pid };
}

/**
 * Starts recording every run of this thread (Thread, Process, pool task) until stop(): one slice
 * per run whose target began on its worker's track, a zero-length `submit <name>` slice on this
 * thread's track with a flow to the run's slice, and an instant per cancel and terminate. Several
 * recorders may run at once, independently. Never an argument or a return value.
 * @example
 * const rec = startTimeline();
 * await pool.submit(work);
 * await rec.write('threadkit-trace.json'); // open it in ui.perfetto.dev
 */
export function startTimeline(): Timeline {
  const startedAt = performance.now();
  const own = { pid: process.pid, tid: threadId };
  /** Runs seen, by their context: what the recording needs at stop(). */
  const runs = new Set<TaskContext>();
  const instants: { context: TaskContext; name: 'cancel' | 'terminate'; ts: number; reason: unknown; began: boolean }[] = [];
  const note = (context: TaskContext): void => {
    runs.add(context);
  };
  const handlers: [string, (message: unknown) => void][] = [
    [CHANNELS.queued, (m) => note((m as QueuedMessage).task)],
    [`tracing:${CHANNELS.task}:start`, (m) => note(m as TaskContext)],
    [`tracing:${CHANNELS.task}:end`, (m) => note(m as TaskContext)],
    [
      CHANNELS.cancel,
      (m) => {
        const { task, ts, reason, began } = m as CancelMessage;
        note(task);
        instants.push({ context: task, name: 'cancel', ts, reason, began });
      },
    ],
    [
      CHANNELS.terminate,
      (m) => {
        const { task, ts, reason, began } = m as TerminateMessage;
        note(task);
        instants.push({ context: task, name: 'terminate', ts, reason, began });
      },
    ],
  ];
  for (const [name, handler] of handlers) dc.subscribe(name, handler);

  let trace: Trace | undefined;
  const stop = (): Trace => {
    if (trace !== undefined) return trace;
    const stoppedAt = performance.now();
    for (const [name, handler] of handlers) dc.unsubscribe(name, handler);
    trace = build({ runs, instants, own, startedAt, stoppedAt });
    return trace;
  };
  return {
    stop,
    async write(path: string): Promise<Trace> {
      const result = stop();
      await writeFile(path, JSON.stringify(result));
      return result;
    },
  };
}

/** The trace of what was recorded (a pure function of it). */
function build(recorded: {
  runs: Set<TaskContext>;
  instants: { context: TaskContext; name: 'cancel' | 'terminate'; ts: number; reason: unknown; began: boolean }[];
  own: { pid: number; tid: number };
  startedAt: number;
  stoppedAt: number;
}): Trace {
  const { runs, instants, own, startedAt, stoppedAt } = recorded;
  const events: TraceEvent[] = [];
  const tracks = new Map<string, { pid: number; tid: number; name: string; slices: TraceEvent[] }>();
  const track = (at: { pid: number; tid: number }, name: string) => {
    const key = `${at.pid}:${at.tid}`;
    let found = tracks.get(key);
    if (found === undefined) tracks.set(key, (found = { ...at, name, slices: [] }));
    return found;
  };
  const ownTrack = track(own, own.tid === 0 ? 'main' : `thread ${own.tid}`);
  /** Each run's slice, by its context, for its flow and its instants. */
  const slices = new Map<TaskContext, TraceEvent>();
  for (const context of runs) {
    if (context.worker === undefined || context.startTime === undefined) continue;
    const ended = context.endTime !== undefined;
    const start = context.startTime;
    const end = ended ? context.endTime! : stoppedAt;
    const args: Record<string, unknown> = { id: context.id, kind: context.kind, status: ended ? context.status : 'running' };
    if (context.executor !== undefined) args.executor = context.executor;
    const slice: TraceEvent = {
      name: context.name,
      cat: context.kind,
      ph: 'X',
      ...trackOf(context.worker),
      ts: us(start),
      dur: us(end) - us(start),
      args,
    };
    track(trackOf(context.worker), context.worker.name).slices.push(slice);
    slices.set(context, slice);
  }
  // Slices on one track never overlap: each begins no earlier than the one before it ended.
  for (const t of tracks.values()) {
    t.slices.sort((a, b) => a.ts! - b.ts!);
    let last = -Infinity;
    for (const slice of t.slices) {
      const end = slice.ts! + slice.dur!;
      if (slice.ts! < last) slice.ts = last;
      slice.dur = Math.max(0, Math.round((end - slice.ts!) * 1e3) / 1e3);
      last = slice.ts! + slice.dur;
    }
  }
  // Submit slices, each followed by its flow's start. A flow's events share the cat of the slices
  // they bind to (the run's kind), the name 'run' and the run's id: Perfetto pairs `s` and `f` by
  // (cat, name, id) and binds `s` to the slice enclosing its ts, `f` (bp 'e') to the slice
  // enclosing its ts; chrome://tracing binds a flow event to the slice of its cat, pid, tid and ts.
  const submits: TraceEvent[] = [];
  for (const context of runs) {
    // Submitted during the recording (a submitTime is never refined: it was set before the run was seen).
    if (context.submitTime === undefined || context.submitTime < startedAt) continue;
    const ts = us(context.submitTime);
    const args = { id: context.id, kind: context.kind, phase: 'submit' };
    submits.push({ name: `submit ${context.name}`, cat: context.kind, ph: 'X', ...own, ts, dur: 0, args });
    const slice = slices.get(context);
    if (slice === undefined) continue;
    submits.push({ name: 'run', cat: context.kind, ph: 's', id: context.id, ...own, ts });
    events.push({ name: 'run', cat: context.kind, ph: 'f', bp: 'e', id: context.id, pid: slice.pid, tid: slice.tid, ts: slice.ts! });
  }
  for (const { context, name, ts, reason, began } of instants) {
    const slice = slices.get(context);
    const args: Record<string, unknown> = { id: context.id, task: context.name };
    if (reason !== undefined) args.reason = reasonText(reason);
    if (began && slice !== undefined) {
      // Inside the run's slice.
      const at = Math.min(Math.max(us(ts), slice.ts!), slice.ts! + slice.dur!);
      events.push({ name, ph: 'i', s: 't', pid: slice.pid, tid: slice.tid, ts: at, args });
    } else {
      events.push({ name, ph: 'i', s: 't', ...own, ts: us(ts), args });
    }
  }
  const metadata: TraceEvent[] = [];
  const processes = new Map<number, string>([[own.pid, `threadkit (pid ${own.pid})`]]);
  for (const t of tracks.values()) {
    if (t.slices.length === 0 && t !== ownTrack) continue; // (the recording thread's track holds the submit slices)
    metadata.push({ name: 'thread_name', ph: 'M', pid: t.pid, tid: t.tid, args: { name: t.name } });
    if (!processes.has(t.pid)) processes.set(t.pid, `${t.name} (pid ${t.pid})`);
  }
  for (const [pid, name] of processes)
    metadata.push({ name: 'process_name', ph: 'M', pid, tid: pid === own.pid ? own.tid : pid, args: { name } });
  const all = [...tracks.values()].flatMap((t) => t.slices);
  return {
    traceEvents: [...metadata, ...all, ...submits, ...events],
    displayTimeUnit: 'ms',
    otherData: { startedAt: us(startedAt), stoppedAt: us(stoppedAt), recorder: 'threadkit' },
  };
}
