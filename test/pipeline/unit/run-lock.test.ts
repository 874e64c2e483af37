/**
 * The run lock in-process: a holder that is gone or going away is taken over (a restart right
 * after a kill must work), a live one is refused at once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireRunLock } from '../../../src/pipeline/state/run-lock.ts';

describe('run lock', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'run-lock-'));
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const holdBy = async (name: string, pid: number): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, JSON.stringify({ pid, started_at: new Date().toISOString(), host: hostname() }));
    return file;
  };

  it('takes over from a killed holder that is still a zombie (its pid answers kill 0)', async () => {
    // The parent forks a child that exits at once and never reaps it: the child stays a zombie.
    const parent = spawn('python3', ['-c', 'import os, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)\n']);
    children.push(parent);
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d) => resolve(String(d)))));
    await new Promise((r) => setTimeout(r, 100));
    assert.match(await readFile(`/proc/${zombie}/stat`, 'utf8'), /\) Z /, 'the holder is a zombie');
    const handle = await acquireRunLock(await holdBy('zombie.lock', zombie));
    assert.equal(handle.tookOverFrom?.pid, zombie);
    await handle.release();
  });

  it('waits for a holder with a fatal signal pending, says so, then takes over', async () => {
    // Stopped, then sent SIGTERM: the signal stays pending until SIGCONT, as a kill in progress.
    const holder = spawn('sleep', ['30']);
    children.push(holder);
    holder.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 100));
    holder.kill('SIGTERM');
    const said: string[] = [];
    setTimeout(() => holder.kill('SIGCONT'), 500);
    const started = Date.now();
    const handle = await acquireRunLock(await holdBy('exiting.lock', holder.pid!), (m) => said.push(m));
    assert.equal(handle.tookOverFrom?.pid, holder.pid);
    assert.match(said.join('\n'), new RegExp(`waiting for the previous run \\(pid ${holder.pid}\\), which is exiting`));
    assert.ok(Date.now() - started >= 400, 'it waited for the holder to go');
    await handle.release();
  });

  it('refuses a live holder at once, naming it', async () => {
    const holder = spawn('sleep', ['30']);
    children.push(holder);
    const file = await holdBy('live.lock', holder.pid!);
    const started = Date.now();
    await assert.rejects(acquireRunLock(file), new RegExp(`another pipeline run is in progress in this project \\(pid ${holder.pid}, started `));
    assert.ok(Date.now() - started < 2000, 'no wait for a holder that is not exiting');
  });
});
