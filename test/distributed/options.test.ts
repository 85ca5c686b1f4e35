// Options of DistributedExecutor and WorkerHost checked in their constructors (nothing connects); the CLI's usage errors; `import 'threadkit'` never loads bullmq or ioredis.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ThreadPoolExecutor } from '../../src/index.js';
import { ConnectionError, DistributedExecutor, WorkerHost } from '../../src/distributed/index.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/distributed/cli.ts', import.meta.url));
const run = promisify(execFile);

describe('threadkit/distributed - options', () => {
  test('new DistributedExecutor() - checks its options and connects to nothing', () => {
    assert.throws(() => new DistributedExecutor(undefined as never), TypeError);
    assert.throws(() => new DistributedExecutor({ queue: '' }), /`queue`/);
    assert.throws(() => new DistributedExecutor({ queue: 'a:b' }), /`queue`/);
    assert.throws(() => new DistributedExecutor({ queue: 'q', bogus: 1 } as never), /Unknown option `bogus`/);
    assert.throws(() => new DistributedExecutor({ queue: 'q', connection: 'http://x' }), /`connection`/);
    assert.throws(() => new DistributedExecutor({ queue: 'q', graceMs: -1 }), RangeError);
    assert.throws(() => new DistributedExecutor({ queue: 'q', checkIntervalMs: 0 }), RangeError);
    assert.throws(() => new DistributedExecutor({ queue: 'q', connectTimeoutMs: Number.NaN }), RangeError);
    const ex = new DistributedExecutor({ queue: 'q', connection: { host: '127.0.0.1', port: 1 }, name: 'client' });
    assert.equal(ex.name, 'client');
    assert.deepEqual(ex.stats, { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0, terminated: 0 });
  });

  test('.run() - checks its options before anything is queued', () => {
    const ex = new DistributedExecutor({ queue: 'q' });
    const add = (a: number, b: number) => a + b;
    assert.throws(() => ex.run(add, [1, 2], { attempts: 0 }), RangeError);
    assert.throws(() => ex.run(add, [1, 2], { signal: 'no' as never }), TypeError);
    assert.throws(() => ex.run(add, [1, 2], { nope: true } as never), /Unknown option `nope`/);
    assert.equal(ex.stats.queued, 0);
  });

  test('new WorkerHost() - checks its options and starts nothing', async () => {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    assert.throws(() => new WorkerHost({ queue: 'q', executor: {} as never }), /`executor`/);
    assert.throws(() => new WorkerHost({ queue: 'q', executor, hostTimeoutMs: 100 }), RangeError);
    assert.throws(() => new WorkerHost({ queue: 'q', executor, acceptSource: 'no' as never }), TypeError);
    assert.throws(
      () => new WorkerHost({ queue: 'q', executor, concurrency: 2 }),
      /`concurrency` to be an integer from 1 to the executor's maxWorkers \(1\)/,
    );
    const host = new WorkerHost({ queue: 'q', executor });
    assert.match(host.name, /:\d+$/);
    await executor.shutdown();
  });

  test('ConnectionError - named, coded', () => {
    const error = new ConnectionError('x');
    assert.ok(error instanceof Error);
    assert.equal(error.code, 'ERR_CONNECTION');
    assert.equal(error.name, 'ConnectionError');
  });

  test('threadkit-worker - bad arguments: usage on stderr, exit code 2', async () => {
    for (const args of [[], ['--queue', 'q', '--workers', '0'], ['--queue', 'q', '--bogus']]) {
      const failure = await run(process.execPath, ['--import', 'tsx', CLI, ...args]).then(
        () => assert.fail('should exit 2'),
        (error: unknown) => error as { code: number; stderr: string },
      );
      assert.equal(failure.code, 2);
      assert.match(failure.stderr, /Usage: threadkit-worker --queue NAME/);
    }
  });

  test("import 'threadkit' never loads bullmq or ioredis: only src/distributed imports them", () => {
    const offenders: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'distributed') visit(path);
        } else if (/['"](bullmq|ioredis)['"]/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    visit(SRC);
    assert.deepEqual(offenders, []);
    const index = readFileSync(join(SRC, 'index.ts'), 'utf8');
    assert.doesNotMatch(index, /distributed/);
  });
});
