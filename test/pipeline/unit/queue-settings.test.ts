/** The queue executor's settings: the local config's queue section and the flags over it. */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatProblem, isUserError } from '../../../src/pipeline/errors.ts';
import { readLocalConfig } from '../../../src/pipeline/workspace/local-config.ts';
import { queueSettings, type QueueSection } from '../../../src/pipeline/queue/settings.ts';
import { isRefusal, redisOptions } from '../../../src/pipeline/queue/redis.ts';

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isUserError(e)) return e.problems.map(formatProblem).join('\n');
    throw e;
  }
  assert.fail('accepted');
}

async function withLocalConfig(text: string, fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'queue-settings-'));
  try {
    await mkdir(path.join(root, '.pipeline'));
    await writeFile(path.join(root, '.pipeline/config.yaml'), text);
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('queue settings', () => {
  it('takes the local config, --redis over it, and defaults for the rest', async () => {
    await withLocalConfig('executor: queue\nqueue:\n  redis: redis://10.0.0.5:6379\n  attempts: 3\n', async (root) => {
      const local = await readLocalConfig(root);
      assert.equal(local.executor, 'queue');
      assert.deepEqual(queueSettings(local.sections.queue as QueueSection, undefined, 'run'), {
        redis: 'redis://10.0.0.5:6379',
        name: 'pipeline',
        attempts: 3,
        lock_seconds: 30,
        scratch_sync_seconds: 30,
      });
      assert.equal(queueSettings(local.sections.queue as QueueSection, 'redis://other:7000', 'run').redis, 'redis://other:7000');
    });
  });

  it('asks for a Redis server, and refuses one that is not a redis:// URL', () => {
    assert.match(
      problems(() => queueSettings(undefined, undefined, 'worker')),
      /^--redis: pipeline worker needs a Redis server: give --redis redis:\/\/host:port or set queue.redis in .pipeline\/config.yaml$/,
    );
    assert.match(
      problems(() => queueSettings(undefined, 'http://h:1', 'run')),
      /^--redis: must be redis:\/\/host:port/,
    );
  });

  it('locates a mistake in the queue section at its file, line and field', async () => {
    await withLocalConfig('queue:\n  redis: redis://h:1\n  atempts: 3\n', async (root) => {
      await assert.rejects(
        readLocalConfig(root),
        (e) => isUserError(e) && /^\.pipeline\/config\.yaml:3:3: queue\.atempts: /.test(formatProblem(e.problems[0]!)),
      );
    });
    await withLocalConfig('executor: cluster\n', async (root) => {
      await assert.rejects(readLocalConfig(root), (e) => isUserError(e) && /^\.pipeline\/config\.yaml:1:\d+: executor: /.test(formatProblem(e.problems[0]!)));
    });
  });
});

describe('redis connection options', () => {
  it('a coordinator retries an unreachable Redis, but stops at once when its password was refused', () => {
    let refused = false;
    const retry = redisOptions('redis://127.0.0.1:6379', 'coordinator', () => refused).retryStrategy!;
    assert.equal(retry(1), 500, 'unreachable: tried again');
    refused = true;
    assert.equal(retry(2), null, 'refused: no retry changes the password');
    assert.ok(isRefusal(new Error('NOAUTH Authentication required.')));
    assert.ok(isRefusal(new Error('WRONGPASS invalid username-password pair or user is disabled.')));
    assert.ok(!isRefusal(new Error('connect ECONNREFUSED 127.0.0.1:6379')));
  });
});
