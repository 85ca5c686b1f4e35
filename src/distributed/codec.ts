// What crosses Redis: a job's payload (target and args) and its outcome, by V8's serializer; errors rebuilt with their class.

import { deserialize, serialize } from 'node:v8';
import { TaskError } from '../errors.js';
import { forbiddenIn } from '../shared/walk.js';
import { rebuildThrown, serializeThrown } from '../wire/serialize.js';
import type { SerializedThrown } from '../wire/protocol.js';
import type { Outcome } from '../core/settlement.js';
import type { TargetDescriptor } from './targets.js';

/** A job as BullMQ stores it (JSON): who it is, and its payload as base64 of V8's serializer. */
export interface JobData {
  /** The threadkit job id (the future's id; the first BullMQ job id). */
  readonly id: string;
  readonly name: string;
  /** Starts allowed in all when its host dies (1: at most once). */
  readonly attempts: number;
  /** base64 of v8.serialize(Payload). */
  readonly payload: string;
  /** The submitting client's name, for messages. */
  readonly submitter: string;
  /** How long Redis keeps its outcome (the client's keepResultsMs). */
  readonly keepMs: number;
  /** chunkSize > 1 in map(): args[0] is a chunk, the result the array of target(item). */
  readonly each?: boolean;
}

export interface Payload {
  readonly target: TargetDescriptor;
  readonly args: unknown[];
}

/** An outcome as it crosses: the error serialized (class, code, cause, stack), the rest as values. */
type WireOutcome =
  | { status: 'completed'; value: unknown }
  | { status: 'failed'; error: SerializedThrown }
  | { status: 'cancelled'; reason: unknown }
  | { status: 'terminated' };

/** What a job's host or canceller publishes on the events channel. */
export type JobEvent = { kind: 'running'; id: string; host: string } | { kind: 'ended'; id: string; out: Uint8Array };

/** What a canceller publishes on the cancels channel, and stores as the cancel record. */
export interface CancelMessage {
  readonly id: string;
  readonly reason: unknown;
  /** stop(): the grace before the worker is replaced; undefined for cancel(). */
  readonly graceMs: number | undefined;
}

/**
 * The payload of a job, serialized now (later changes to the args are not seen).
 * @throws {TaskError} naming the argument that cannot be serialized or cannot cross machines.
 */
export function encodePayload(target: TargetDescriptor, args: unknown[], owner: string): string {
  const where = args.every((arg) => arg === null || (typeof arg !== 'object' && typeof arg !== 'function'))
    ? undefined
    : forbiddenIn(args, 'args');
  if (where !== undefined) {
    throw new TaskError(
      `${where} cannot be sent to ${owner}: shared memory (SharedArrayBuffers, threadkit's shared objects) and pools or Futures cannot cross machines. Send a copy of the data instead.`,
    );
  }
  try {
    return serialize({ target, args } satisfies Payload).toString('base64');
  } catch (error) {
    const at = args.findIndex((arg) => {
      try {
        serialize(arg);
        return false;
      } catch {
        return true;
      }
    });
    throw new TaskError(`args${at === -1 ? '' : `[${at}]`} of ${owner} cannot be serialized (v8.serialize): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export function decodePayload(payload: string): Payload {
  return deserialize(Buffer.from(payload, 'base64')) as Payload;
}

/** An outcome as bytes. A value that cannot be serialized fails the job with a TaskError (the serializer's error as its cause). */
export function encodeOutcome(outcome: Outcome, name: string): Buffer {
  let wire: WireOutcome;
  switch (outcome.status) {
    case 'completed':
      try {
        return serialize({ status: 'completed', value: outcome.value } satisfies WireOutcome);
      } catch (error) {
        const failure = new TaskError(`The return value of ${name} could not be sent back (v8.serialize): ${(error as Error).message}`, {
          cause: error,
        });
        wire = { status: 'failed', error: serializeThrown(failure) };
      }
      break;
    case 'failed':
      wire = { status: 'failed', error: serializeThrown(outcome.error) };
      break;
    case 'cancelled':
      wire = { status: 'cancelled', reason: outcome.reason };
      try {
        return serialize(wire);
      } catch {
        wire = { status: 'cancelled', reason: String(outcome.reason) };
      }
      break;
    case 'terminated':
      wire = { status: 'terminated' };
      break;
  }
  return serialize(wire);
}

export function decodeOutcome(bytes: Uint8Array): Outcome {
  const wire = deserialize(bytes) as WireOutcome;
  if (wire.status === 'failed') return { status: 'failed', error: rebuildThrown(wire.error) };
  return wire;
}

export function encodeMessage(message: JobEvent | CancelMessage): Buffer {
  return serialize(message);
}

export function decodeMessage<T extends JobEvent | CancelMessage>(bytes: Uint8Array): T {
  return deserialize(bytes) as T;
}

/** A cancel's reason as it can cross (its String() when it cannot be serialized). */
export function crossable(reason: unknown): unknown {
  try {
    serialize(reason);
    return reason;
  } catch {
    return String(reason);
  }
}
