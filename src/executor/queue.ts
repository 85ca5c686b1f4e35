// The queue of a pool's waiting tasks: FIFO, O(1) at both ends, and a cancel that takes one out in O(1).

import type { Job } from './job.js';

/**
 * Jobs in submission order. A cancelled job is only marked (`dequeued`) and skipped when its turn
 * comes, so cancelling one of thousands queued costs nothing; `size` counts the live ones.
 */
export class JobQueue {
  #jobs: Job[] = [];
  #head = 0;
  #size = 0;

  /** Queued jobs not cancelled. */
  get size(): number {
    return this.#size;
  }

  push(job: Job): void {
    this.#jobs.push(job);
    this.#size += 1;
  }

  /** Puts a job back at the front (it was handed to a worker that died before it began). */
  unshift(job: Job): void {
    job.dequeued = false;
    this.#jobs.splice(this.#head, 0, job);
    this.#size += 1;
  }

  /** Takes the next live job out (marking it dequeued), or undefined. */
  shift(): Job | undefined {
    while (this.#head < this.#jobs.length) {
      const job = this.#jobs[this.#head]!;
      this.#jobs[this.#head] = undefined as unknown as Job;
      this.#head += 1;
      if (job.dequeued) continue;
      job.dequeued = true;
      this.#size -= 1;
      this.#compact();
      return job;
    }
    this.#compact();
    return undefined;
  }

  /** Takes `job` out where it stands (it must be queued). */
  remove(job: Job): void {
    job.dequeued = true;
    this.#size -= 1;
  }

  #compact(): void {
    if (this.#head === this.#jobs.length) {
      this.#jobs = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#jobs.length) {
      this.#jobs = this.#jobs.slice(this.#head);
      this.#head = 0;
    }
  }
}
