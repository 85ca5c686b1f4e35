// Test helper: subscribes to every threadkit channel and records each event in order, with a snapshot of its context.

import dc from 'node:diagnostics_channel';

export const TRACING = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
export const PLAIN = ['queued', 'cancel', 'terminate', 'settled'] as const;
export const WORKER = ['spawn', 'exit'] as const;

/** One recorded event: its channel's short name, the message, and the context's fields at that moment. */
export interface Recorded {
  readonly event: string;
  readonly message: Record<string, unknown>;
  /** The run's context object (the same object every time), and a copy of its fields when published. */
  readonly context: Record<string, unknown> | undefined;
  readonly fields: Record<string, unknown> | undefined;
}

/** Records every event until stop(); `of(name)` lists one run's events by its name. */
export function recordAll(): {
  events: Recorded[];
  of(name: string): Recorded[];
  kinds(name: string): string[];
  /** Resolves once run `name` has published `event` (at once when it has). */
  waitFor(name: string, event: string): Promise<Recorded>;
  stop(): void;
} {
  const events: Recorded[] = [];
  const waiters: { name: string; event: string; resolve: (r: Recorded) => void }[] = [];
  const handlers: [string, (message: unknown) => void][] = [];
  const on = (channel: string, event: string, contextOf: (m: Record<string, unknown>) => Record<string, unknown> | undefined) => {
    const handler = (message: unknown) => {
      const m = message as Record<string, unknown>;
      const context = contextOf(m);
      const recorded = { event, message: m, context, fields: context && { ...context } };
      events.push(recorded);
      for (const w of [...waiters]) {
        if (w.name !== context?.name || w.event !== event) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(recorded);
      }
    };
    dc.subscribe(channel, handler);
    handlers.push([channel, handler]);
  };
  for (const event of TRACING) on(`tracing:threadkit:task:${event}`, event, (m) => m);
  for (const event of PLAIN) on(`threadkit:task:${event}`, event, (m) => m.task as Record<string, unknown>);
  for (const event of WORKER) on(`threadkit:worker:${event}`, event, () => undefined);
  const of = (name: string) => events.filter((e) => e.context?.name === name);
  return {
    events,
    of,
    kinds: (name) => of(name).map((e) => e.event),
    waitFor: (name, event) =>
      new Promise((resolve) => {
        const found = of(name).find((e) => e.event === event);
        if (found !== undefined) resolve(found);
        else waiters.push({ name, event, resolve });
      }),
    stop() {
      for (const [channel, handler] of handlers) dc.unsubscribe(channel, handler);
    },
  };
}

/** Every string found anywhere in `value` (own properties, arrays, Maps, Sets, nested), for the no-args rule. */
export function stringsIn(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const out: string[] = [];
  const items = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value);
  for (const item of items) out.push(...stringsIn(item, seen));
  for (const key of Object.getOwnPropertySymbols(value)) out.push(...stringsIn((value as Record<symbol, unknown>)[key], seen));
  return out;
}
