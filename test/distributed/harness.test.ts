// The test harness itself: a real redis-server on a free port, restarted with its data (appendonly), gone after dispose().

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { redisSuite, startRedis } from '../support/redis.js';

describe('test/support/redis', redisSuite(), () => {
  test('startRedis() - a server that answers, restarted on the same port with its data, removed by dispose()', async (t) => {
    const redis = await startRedis({ appendonly: true });
    t.after(() => redis.dispose());
    if (!redis.owned) return t.skip('REDIS_URL: an existing server is used');
    const client = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
    t.after(() => client.disconnect());
    await client.connect();
    await client.set('k', 'v');
    await redis.restart();
    assert.equal(await client.get('k'), 'v');
    client.disconnect();
    const dir = redis.dir!;
    await redis.dispose();
    assert.equal(redis.pid, undefined);
    assert.equal(existsSync(dir), false);
  });
});
