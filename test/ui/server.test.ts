/**
 * pipeline ui's server without a browser: it binds to loopback unless told otherwise, refuses a
 * non-loopback host without --expose, refuses path traversal however it is spelt, serves only
 * project files, answers only its own Host name, and follows a run's event log incrementally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { appendFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Project } from '../helpers/project.ts';
import { startUi } from './helpers.ts';
import { eventLogReporter } from '../../src/pipeline/event-log/writer.ts';
import { RunFollower } from '../../src/pipeline/event-log/follow.ts';
import { epochOfLogLine, runsDir } from '../../src/pipeline/event-log/format.ts';
import { isLoopback } from '../../src/ui/command.ts';

/** A GET with the path sent exactly as written (fetch would fold "/a/../b" into "/b"). */
function rawGet(url: string, rawPath: string, host?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: rawPath, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a non-loopback host is refused without --expose (exit 2, one line, nothing served)', async () => {
  const p = await Project.create({});
  try {
    const r = await p.cli('ui', '--host', '0.0.0.0', '--port', '0');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--host: 0\.0\.0\.0 is not a loopback address: .* add --expose/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stdout, /serving/);
    const bad = await p.cli('ui', '--port', 'eighty');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port: must be 0-65535, got "eighty"/);
  } finally {
    await p.dispose();
  }
  assert.ok(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('::1') && isLoopback('127.8.0.1'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.4') && !isLoopback('::') && !isLoopback('example.com'));
});

test('path traversal, hidden files, links out of the project and foreign Host names are refused', async () => {
  const p = await Project.create({ 'artifacts/report/index.html': '<p>report</p>', '.secret': 'no' });
  const outside = await mkdtemp(path.join(tmpdir(), 'ui-outside-'));
  await writeFile(path.join(outside, 'secret.txt'), 'outside');
  await symlink(path.join(outside, 'secret.txt'), path.join(p.root, 'artifacts/leak.txt'));
  const ui = await startUi(p.root);
  try {
    assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'bound to loopback by default');
    const ok = await rawGet(ui.url, '/files/artifacts/report/index.html');
    assert.equal(ok.status, 200);
    assert.equal(ok.body, '<p>report</p>');
    for (const bad of [
      '/files/../../etc/passwd',
      '/files/..%2f..%2fetc%2fpasswd',
      '/files/%2e%2e/%2e%2e/etc/passwd',
      '/files/artifacts/..%5c..%5cetc/passwd',
      '/files/artifacts/../../../etc/passwd',
    ]) {
      const r = await rawGet(ui.url, bad);
      assert.equal(r.status, 400, `${bad} refused`);
      assert.doesNotMatch(r.body, /root:/);
    }
    for (const hidden of ['/files/.secret', '/files/.pipeline/plan.json', '/files/artifacts/leak.txt', '/files//etc/passwd', '/files/etc/passwd']) {
      const r = await rawGet(ui.url, hidden);
      assert.equal(r.status, 404, `${hidden} not served`);
    }
    const rebound = await rawGet(ui.url, '/api/experiments', 'evil.example:80');
    assert.equal(rebound.status, 403, 'a request for another host name (DNS rebinding) is refused');
    const page = await rawGet(ui.url, '/experiments');
    assert.equal(page.status, 200);
  } finally {
    await ui.stop();
    await p.dispose();
    await rm(outside, { recursive: true, force: true });
  }
});

test('the run event log: appended as events happen, followed incrementally, epochs read from the training log line', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'ui-events-'));
  try {
    let now = 1_000;
    const reporter = eventLogReporter(root, ['run'], () => now);
    const follower = new RunFollower(root);
    assert.deepEqual((await follower.poll()).records, [], 'no run yet');
    reporter.event({ type: 'notice', line: 'before the run' });
    reporter.event({ type: 'planned', instances: [{ id: 'train@a', description: 'Train' }] });
    reporter.event({ type: 'start', id: 'train@a', reasons: ['never run'] });
    reporter.event({ type: 'progress', id: 'train@a', update: { step: 'epoch 1/2', current: 1, total: 10 } });
    now += 100;
    reporter.event({ type: 'progress', id: 'train@a', update: { step: 'epoch 1/2', current: 2, total: 10 } }); // within a second: dropped
    const first = await follower.poll();
    assert.ok(first.switched);
    assert.deepEqual(
      first.records.map((r) => r.type),
      ['run', 'notice', 'planned', 'start', 'progress'],
    );
    assert.deepEqual(
      first.records.map((r) => r.seq),
      [0, 1, 2, 3, 4],
    );
    reporter.event({ type: 'log', id: 'train@a', line: 'epoch 1/2: train loss 1.6063 acc 0.5480, val loss 1.2920 acc 0.7200 (6.6s)' });
    const second = await follower.poll();
    assert.equal(second.switched, false);
    assert.deepEqual(
      second.records.map((r) => r.type),
      ['log', 'epoch'],
      'only what was appended since',
    );
    assert.deepEqual(second.records[1], {
      seq: 6,
      t: 1_100,
      type: 'epoch',
      id: 'train@a',
      epoch: 1,
      epochs: 2,
      train_loss: 1.6063,
      train_accuracy: 0.548,
      val_loss: 1.292,
      val_accuracy: 0.72,
      seconds: 6.6,
    });
    // A line still being written is not read until it ends.
    const [file] = (await import('node:fs')).readdirSync(runsDir(root));
    await appendFile(path.join(runsDir(root), file!), '{"seq":7,"t":1,"type":"notice","li');
    assert.deepEqual((await follower.poll()).records, []);
    await appendFile(path.join(runsDir(root), file!), 'ne":"x"}\n');
    assert.deepEqual((await follower.poll()).records, [{ seq: 7, t: 1, type: 'notice', line: 'x' }]);
    reporter.event({ type: 'done', id: 'train@a', outcome: 'ran', seconds: 3 });
    reporter.event({ type: 'finished', counts: { ran: 1 }, departed: [], workspace: '', failures: [] });
    await reporter.close();
    const last = await follower.poll();
    assert.deepEqual(
      last.records.map((r) => r.type),
      ['done', 'finished'],
    );
    assert.equal(follower.run?.ended, true);
    assert.equal(epochOfLogLine('resumed from the checkpoint after epoch 3/10'), undefined);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
