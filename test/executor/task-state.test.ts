// The pool task's state machine: every move of its table accepted, every other refused, its count, and its Future's view.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FutureControl, FutureState } from '../../src/executor/future.ts';
import { TASK_MOVES, Task, futureState, type TaskCount, type TaskState } from '../../src/executor/task-state.ts';
import type { EncodedTask } from '../../src/backend/transport.ts';

const STATES = Object.keys(TASK_MOVES) as TaskState[];

const control: FutureControl<Task> = {
  cancel() {},
  stop() {},
  state: (task) => futureState(task.state),
};

function newTask(count: TaskCount = { onWorkers: 0 }): Task {
  return new Task(1, 'pool task 1', {} as EncodedTask, { signal: undefined, served: undefined, control, count });
}

/** The shortest path of legal moves from `queued` to `state`. */
function pathTo(state: TaskState): TaskState[] {
  const paths = new Map<TaskState, TaskState[]>([['queued', []]]);
  const frontier: TaskState[] = ['queued'];
  while (frontier.length > 0) {
    const from = frontier.shift()!;
    for (const to of TASK_MOVES[from]) {
      if (paths.has(to)) continue;
      paths.set(to, [...paths.get(from)!, to]);
      frontier.push(to);
    }
  }
  const path = paths.get(state);
  assert.ok(path !== undefined, `${state} cannot be reached from queued`);
  return path;
}

function taskIn(state: TaskState, count?: TaskCount): Task {
  const task = newTask(count);
  for (const step of pathTo(state)) task.move(step);
  assert.equal(task.state, state);
  return task;
}

/** The Future's legal moves (future.ts's table). */
const FUTURE_MOVES: Record<FutureState, FutureState[]> = {
  pending: ['running', 'ended'],
  running: ['cancelling', 'ended'],
  cancelling: ['ended'],
  ended: [],
};

describe('Task - state machine', () => {
  test('.move() - a new task is queued', () => {
    assert.equal(newTask().state, 'queued');
    assert.equal(newTask().future.state, 'pending');
  });

  test('.move() - every state is reachable from queued', () => {
    for (const state of STATES) pathTo(state);
  });

  for (const from of STATES) {
    for (const to of TASK_MOVES[from]) {
      test(`.move() - accepts ${from} -> ${to}`, () => {
        const task = taskIn(from);
        task.move(to);
        assert.equal(task.state, to);
      });
    }
  }

  for (const from of STATES) {
    for (const to of STATES.filter((s) => !TASK_MOVES[from].includes(s))) {
      test(`.move() - refuses ${from} -> ${to}`, () => {
        const task = taskIn(from);
        assert.throws(() => task.move(to), { message: new RegExp(`illegal pool task \\(pool task 1\\) transition ${from} -> ${to}`) });
        assert.equal(task.state, from);
      });
    }
  }

  test('.move() - ended is final', () => {
    assert.deepEqual(TASK_MOVES.ended, []);
  });

  test('.move() - offered -> queued at most once (requeued); withdrawn -> queued any number of times', () => {
    const task = taskIn('offered');
    assert.equal(task.requeued, false);
    task.move('queued');
    assert.equal(task.requeued, true);
    task.move('offered');
    assert.throws(() => task.move('queued'), /requeued twice/);
    assert.equal(task.state, 'offered');
    for (let i = 0; i < 3; i += 1) {
      task.move('withdrawn');
      task.move('queued');
      task.move('offered');
    }
    assert.equal(task.state, 'offered');
  });

  test('.move() - counts the tasks on a worker (offered, running, cancelling), in every state', () => {
    const onWorker = new Set<TaskState>(['offered', 'running', 'cancelling']);
    for (const state of STATES) {
      const count = { onWorkers: 0 };
      taskIn(state, count);
      assert.equal(count.onWorkers, onWorker.has(state) ? 1 : 0, state);
    }
    const count = { onWorkers: 0 };
    const task = taskIn('offered', count);
    task.move('withdrawn');
    task.move('offered');
    task.move('running');
    task.move('cancelling');
    assert.equal(count.onWorkers, 1);
    task.move('ended');
    assert.equal(count.onWorkers, 0);
  });

  test('.future.state - a view of the task: every task move is a legal Future move or none', () => {
    for (const from of STATES) {
      for (const to of TASK_MOVES[from]) {
        const seen = futureState(from);
        const next = futureState(to);
        assert.ok(seen === next || FUTURE_MOVES[seen].includes(next), `${from} -> ${to} shows as ${seen} -> ${next}`);
      }
    }
    const task = taskIn('running');
    assert.equal(task.future.state, 'running');
  });
});
