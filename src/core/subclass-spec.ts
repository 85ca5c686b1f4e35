// A Thread/Process subclass that overrides run(): its methods as source and its data fields, for the thread.

import { TaskError, describe } from '../errors.js';
import { functionSource } from '../backend/task.js';
import type { TargetSpec } from '../wire/protocol.js';
import { cloneable } from '../wire/serialize.js';

/**
 * The methods from the subclass of `instance` up to the first prototype marked `libraryMark`
 * (the library's own classes), and its data fields.
 * @throws {TaskError} when a field cannot be sent, or a method has no usable source.
 */
export function subclassSpec(instance: object, name: string, libraryMark: symbol): TargetSpec {
  const className = instance.constructor.name;
  const methods: Record<string, string> = {};
  for (
    let proto = Object.getPrototypeOf(instance) as object | null;
    proto !== null && !Object.hasOwn(proto, libraryMark);
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (key === 'constructor' || key in methods || typeof descriptor.value !== 'function') continue;
      methods[key] = functionSource(descriptor.value as (...args: unknown[]) => unknown, `${className}.${key}()`);
    }
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(instance)) {
    if (!cloneable(value)) {
      throw new TaskError(
        `Cannot start ${name}: field \`this.${key}\` of ${className} cannot be sent to the thread (${describe(value)}). ` +
          'Fields are copied by structured clone; keep only data in them.',
      );
    }
    fields[key] = value;
  }
  return { kind: 'subclass', methods, fields, className };
}
