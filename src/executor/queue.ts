// The queue of a pool's waiting tasks: FIFO, O(1) at both ends, and a cancel that takes one out in O(1).

import type { Task } from './task-state.js';

/**
 * Tasks in submission order. A cancelled task is only counted out (`remove`: it ends, so it is no
 * longer `queued`) and skipped when its turn comes, so cancelling one of thousands queued costs
 * nothing; `size` counts the live ones.
 */
export class TaskQueue {
  #tasks: Task[] = [];
  #head = 0;
  #size = 0;

  /** Queued tasks not cancelled. */
  get size(): number {
    return this.#size;
  }

  push(task: Task): void {
    this.#tasks.push(task);
    this.#size += 1;
  }

  /** Puts a task back at the front (it was handed to a worker that died before it began). */
  unshift(task: Task): void {
    this.#tasks.splice(this.#head, 0, task);
    this.#size += 1;
  }

  /** Takes the next live task out, or undefined. The caller moves it out of `queued` at once (to offered or ended). */
  shift(): Task | undefined {
    while (this.#head < this.#tasks.length) {
      const task = this.#tasks[this.#head]!;
      this.#tasks[this.#head] = undefined as unknown as Task;
      this.#head += 1;
      if (task.state !== 'queued') continue;
      this.#size -= 1;
      this.#compact();
      return task;
    }
    this.#compact();
    return undefined;
  }

  /** Counts `task` out where it stands (it must be queued; the caller ends it at once). */
  remove(_task: Task): void {
    this.#size -= 1;
  }

  #compact(): void {
    if (this.#head === this.#tasks.length) {
      this.#tasks = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#tasks.length) {
      this.#tasks = this.#tasks.slice(this.#head);
      this.#head = 0;
    }
  }
}
