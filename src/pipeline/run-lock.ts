/**
 * One run at a time per project: .pipeline/run.lock holds the running process's pid and start
 * time, created exclusively. A lock whose process is gone (killed, crashed) is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { UserError } from './errors.ts';

interface Holder {
  pid: number;
  started_at: string;
  host: string;
}

export interface RunLockHandle {
  release(): Promise<void>;
  /** Set when a stale lock of a dead process was taken over. */
  tookOverFrom: Holder | undefined;
}

export async function acquireRunLock(file: string): Promise<RunLockHandle> {
  await mkdir(path.dirname(file), { recursive: true });
  let tookOverFrom: Holder | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const me: Holder = { pid: process.pid, started_at: new Date().toISOString(), host: hostname() };
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      return {
        tookOverFrom,
        release: async () => {
          const now = await readHolder(file);
          if (now?.pid === process.pid) await rm(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readHolder(file);
    if (holder && holder.host === hostname() && isAlive(holder.pid)) {
      throw new UserError(
        `another pipeline run is in progress in this project (pid ${holder.pid}, started ${holder.started_at}); wait for it to finish or stop it`,
      );
    }
    if (!holder) {
      // Half-written by a process that died while creating it, or being written right now.
      await new Promise((r) => setTimeout(r, 100));
      if (await readHolder(file)) continue;
    }
    tookOverFrom = holder;
    await rm(file, { force: true });
  }
  throw new UserError(`could not take the run lock ${file}; remove it if no pipeline run is active`);
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Holder;
    return typeof h.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
