/**
 * The per-instance logs (.pipeline/logs/) are a convenience: a log that cannot be written (a full
 * disk; here, a folder where the log file would go) stops that log and says so once, and the run's
 * other logs and the run itself go on. An unhandled stream error used to end the whole runner.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { instanceLogFile, instanceLogs } from '../../../src/pipeline/reporters/instance-logs.ts';

test('a log that cannot be written stops with one notice; the other instances keep theirs', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'instance-logs-'));
  try {
    const notices: string[] = [];
    const logs = instanceLogs(root, (line) => notices.push(line));
    for (const id of ['broken', 'fine']) logs.event({ type: 'start', id, reasons: ['never run'] });
    // The file opens after this synchronous code: a folder in its place makes the open fail (EISDIR).
    mkdirSync(instanceLogFile(root, 'broken'));
    // Let the failed open report before the lines: they must be dropped, not thrown.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const id of ['broken', 'fine']) {
      logs.event({ type: 'log', id, line: `hello from ${id}` });
      logs.event({ type: 'done', id, outcome: 'ran', seconds: 1 });
    }
    await logs.close();
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(notices[0]!, /the log of broken stopped: .*broken\.log could not be written \(EISDIR/);
    assert.match(await readFile(instanceLogFile(root, 'fine'), 'utf8'), /hello from fine\n.*ran after/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
