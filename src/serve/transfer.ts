// Shared objects in `args`: the owner encodes them into markers that carry their memory, the thread revives them.
//
// Structured clone would turn a shared object into an empty plain object (its fields are
// #private), so Lifecycle.start() calls `encodeArgs` once and the thread calls `reviveArgs` once,
// before the target runs. Objects are found wherever structured clone looks (walk.ts): at the top
// level, in arrays and plain objects, Map keys and values, Set members and class-instance fields
// (cycles and repeats are fine); the same object, or two holding the same memory, revive as one
// instance per thread. A pool or a Future anywhere is refused (it would arrive as `{}`). A Process cannot share memory: its parent serves the objects
// (serve.ts), its markers carry an id instead of memory, and the child revives proxies (remote.ts).

import { TaskError } from '../errors.js';
import { Barrier } from '../shared/barrier.js';
import { KIND, SHARE, isShared, revive, type Kind, type Shareable } from '../shared/brand.js';
import { Condition } from '../shared/condition.js';
import { Event } from '../shared/event.js';
import { Lock, RLock } from '../shared/lock.js';
import { Queue } from '../shared/queue.js';
import { remoteObject } from './remote.js';
import type { RemoteMarker } from '../wire/remote-protocol.js';
import type { ServedObjects } from './serve.js';
import { BoundedSemaphore, Semaphore } from '../shared/semaphore.js';
import { SKIP, findShared, isLeaf, isPlain, search, unsendableKind } from '../shared/walk.js';

/** The key of a marker: a plain object `{ [MARK]: kind, state }` standing for a shared object. */
const MARK = '__threadkit_shared_object__';

interface Marker {
  [MARK]: Kind;
  state: unknown;
  /** Set instead of `state` for a Process: the object the parent serves. */
  remote?: RemoteMarker;
}

const REVIVERS: Record<Kind, (state: unknown) => Shareable> = {
  Event: (state) => revive(state, () => new Event()),
  Lock: (state) => revive(state, () => new Lock()),
  RLock: (state) => revive(state, () => new RLock()),
  Semaphore: (state) => revive(state, () => new Semaphore()),
  BoundedSemaphore: (state) => revive(state, () => new BoundedSemaphore()),
  Condition: (state) => revive(state, () => new Condition()),
  Barrier: (state) => revive(state, () => new Barrier(1)),
  Queue: (state) => revive(state, () => new Queue()),
};

// The classes of the copy of threadkit loaded last in this thread revive the objects: in a thread
// that is the task's own `import 'threadkit'` (its module is imported before the args are
// revived), so its `instanceof` checks and `catch` clauses see its own classes and errors.
const CLASSES = Symbol.for('threadkit.shared.revivers.v1');
(globalThis as Record<symbol, unknown>)[CLASSES] = REVIVERS;
// The same for the proxies of a Process.
const REMOTES = Symbol.for('threadkit.shared.remote-revivers.v1');
(globalThis as Record<symbol, unknown>)[REMOTES] = remoteObject;

/**
 * How the objects travel: `true` (a Thread, a thread pool) as their memory, a ServedObjects (a
 * Process) as ids of objects its parent serves, `false` (a process pool, for now) not at all.
 */
export type Sharing = boolean | ServedObjects;

/**
 * `args` with every shared object replaced by a marker (copying only the arrays and plain objects
 * on the way); `args` itself when there is none.
 * @throws {TaskError} when `shares` is false and an argument holds a shared object.
 */
export function encodeArgs(args: unknown[], shares: Sharing, who: string, path = 'args'): unknown[] {
  const found = look(args, path, who);
  if (found === undefined) return args;
  if (shares === false) refuse(found, who);
  return encode(args, new Map(), shares) as unknown[];
}

/** The same for the data fields of a Thread subclass (`this.lock = lock`). */
export function encodeFields(fields: Record<string, unknown>, shares: Sharing, who: string): Record<string, unknown> {
  let found: ReturnType<typeof look>;
  for (const key of Object.keys(fields)) found ??= look(fields[key], `this.${key}`, who);
  if (found === undefined) return fields;
  if (shares === false) refuse(found, who);
  return encode(fields, new Map(), shares) as Record<string, unknown>;
}

/**
 * The first shared object in `value` and where it is, or undefined.
 * @throws {TaskError} naming where a pool or a Future is, wherever it is.
 */
function look(value: unknown, path: string, who: string): { path: string; object: Shareable } | undefined {
  let first: { path: string; object: Shareable } | undefined;
  search(value, path, (object, where) => {
    if (isShared(object)) {
      first ??= { path: where, object };
      return SKIP;
    }
    const kind = unsendableKind(object);
    if (kind === undefined) return undefined;
    throw new TaskError(
      `Cannot start ${who}: ${where} is ${kind}, which cannot be sent to a worker. ` +
        'A task cannot use the pool it runs in: create a pool inside the task, or return what should be submitted next and submit it here.',
    );
  });
  return first;
}

function refuse(found: { path: string; object: Shareable }, who: string): never {
  throw new TaskError(
    `Cannot start ${who}: ${found.path} is a shared object (${found.object[KIND]}), and a process pool's tasks cannot be given ` +
      'shared objects yet (a Process can: its parent serves them). Use a ThreadPoolExecutor or a Process, or pass plain data.',
  );
}

function encode(value: unknown, done: Map<object, unknown>, shares: true | ServedObjects): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = done.get(value);
  if (known !== undefined) return known;
  if (isShared(value)) {
    const marker: Marker = { [MARK]: value[KIND], state: undefined };
    done.set(value, marker);
    if (shares === true) marker.state = encode(value[SHARE](), done, shares);
    else marker.remote = shares.add(value);
    return marker;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    done.set(value, copy);
    for (let i = 0; i < value.length; i += 1) copy[i] = encode(value[i], done, shares);
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map<unknown, unknown>();
    done.set(value, copy);
    for (const [key, member] of value) copy.set(encode(key, done, shares), encode(member, done, shares));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set<unknown>();
    done.set(value, copy);
    for (const member of value) copy.add(encode(member, done, shares));
    return copy;
  }
  // A class instance travels as a plain object of its own fields (structured clone drops its
  // prototype): copied so only when it holds a shared object; left to structured clone when not.
  const plain = isPlain(value);
  if (plain || (!isLeaf(value) && findShared(value, '') !== undefined)) {
    const copy = (plain ? Object.create(Object.getPrototypeOf(value) as object | null) : {}) as Record<string, unknown>;
    done.set(value, copy);
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) copy[key] = encode(fields[key], done, shares);
    return copy;
  }
  done.set(value, value);
  return value;
}

/** Replaces the markers in the received `args` with live objects, in place (call it once the target's module is imported); returns `args`. */
export function reviveArgs(args: unknown[]): unknown[] {
  const done = new Map<object, unknown>();
  for (let i = 0; i < args.length; i += 1) args[i] = reviveValue(args[i], done);
  return args;
}

function reviveValue(value: unknown, done: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (done.has(value)) return done.get(value);
  if (isPlain(value) && typeof value[MARK] === 'string') {
    const marker = value as unknown as Marker;
    if (marker.remote !== undefined) {
      const remotes = ((globalThis as Record<symbol, unknown>)[REMOTES] ?? remoteObject) as typeof remoteObject;
      const proxy = remotes(marker[MARK], marker.remote);
      done.set(value, proxy);
      return proxy;
    }
    const state = reviveValue(marker.state, done);
    const buffer = bufferOf(state);
    if (buffer !== undefined && done.has(buffer)) {
      done.set(value, done.get(buffer));
      return done.get(buffer);
    }
    const revivers = ((globalThis as Record<symbol, unknown>)[CLASSES] ?? REVIVERS) as typeof REVIVERS;
    const object = revivers[marker[MARK]](state);
    done.set(value, object);
    if (buffer !== undefined) done.set(buffer, object);
    return object;
  }
  // Only what encode() looks into can hold a marker (a class instance arrives as a plain object).
  const plain = isPlain(value);
  if (!plain && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set)) return value;
  done.set(value, value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = reviveValue(value[i], done);
  } else if (plain) {
    for (const key of Object.keys(value)) value[key] = reviveValue(value[key], done);
  } else if (value instanceof Map) {
    const entries = [...value].map(([key, member]) => [reviveValue(key, done), reviveValue(member, done)] as const);
    value.clear();
    for (const [key, member] of entries) value.set(key, member);
  } else if (value instanceof Set) {
    const members = [...value].map((member) => reviveValue(member, done));
    value.clear();
    for (const member of members) value.add(member);
  }
  return value;
}

function bufferOf(state: unknown): SharedArrayBuffer | undefined {
  if (state instanceof SharedArrayBuffer) return state;
  const buffer = (state as { buffer?: unknown } | undefined)?.buffer;
  return buffer instanceof SharedArrayBuffer ? buffer : undefined;
}
