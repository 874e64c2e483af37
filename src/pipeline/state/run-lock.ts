/**
 * One run at a time per project: .pipeline/run.lock holds the running process's pid and start
 * time, created exclusively. A lock whose process is gone (killed, crashed) is taken over.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { isMissing, unlessMissing } from '../fs/missing.ts';

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

/** How long a run waits for a holder that is exiting (killed, still freeing its memory). */
const EXIT_WAIT_MS = 10_000;

/**
 * `notify` hears about a wait for a holder that is going away: a run restarted right after the
 * previous one was killed (a supervisor, a CI retry) takes over once it has gone, not refuse.
 */
export async function acquireRunLock(file: string, notify: (message: string) => void = () => {}): Promise<RunLockHandle> {
  await mkdir(path.dirname(file), { recursive: true });
  let tookOverFrom: Holder | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const me: Holder = { pid: process.pid, started_at: new Date().toISOString(), host: hostname() };
    // Written whole to a private file, then linked into place: link() fails if the lock exists,
    // and a reader never sees a half-written lock (which it could mistake for a dead holder's).
    const mine = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(mine, JSON.stringify(me));
    try {
      await link(mine, file);
      return {
        tookOverFrom,
        release: async () => {
          const now = await readHolder(file);
          if (now?.pid === process.pid) await rm(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await rm(mine, { force: true });
    }
    const holder = await readHolder(file);
    if (holder && holder.host === hostname() && !startedAfter(holder)) {
      let state = processState(holder.pid);
      if (state === 'exiting') {
        notify(`waiting for the previous run (pid ${holder.pid}), which is exiting, to release the run lock`);
        state = await whileExiting(holder.pid, EXIT_WAIT_MS);
      }
      if (state !== 'gone') {
        throw new UserError(
          `another pipeline run is in progress in this project (pid ${holder.pid}, started ${holder.started_at}); wait for it to finish or stop it`,
        );
      }
    }
    if (!holder) {
      // Unreadable: written by an older runner that died while creating it. Re-check once.
      await new Promise((r) => setTimeout(r, 100));
      if (await readHolder(file)) continue;
    }
    if (await removeIfStill(file, holder)) tookOverFrom = holder;
  }
  throw new UserError(`could not take the run lock ${file}; remove it if no pipeline run is active`);
}

/**
 * Removes the stale lock only if it is still the one judged stale: two runs taking over at once
 * must not have the slower one delete the lock the faster one just created. The lock is moved
 * aside first (one rename wins), then checked; a live lock moved by mistake is put back.
 */
async function removeIfStill(file: string, stale: Holder | undefined): Promise<boolean> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch (e) {
    if (isMissing(e)) return false; // someone else moved it: retry from the top
    throw e;
  }
  const moved = await readHolder(aside);
  if (moved && (moved.pid !== stale?.pid || moved.started_at !== stale?.started_at)) {
    await link(aside, file).catch(() => {}); // a new live lock: restore it (unless yet another exists)
    await rm(aside, { force: true });
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

/** The holder a lock file names; undefined when it is gone or torn (a holder killed mid-write). */
async function readHolder(file: string): Promise<Holder | undefined> {
  const text = await unlessMissing(readFile(file, 'utf8'), undefined);
  if (text === undefined) return undefined;
  try {
    const h = JSON.parse(text) as Holder;
    return typeof h.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

type ProcessState = 'running' | 'exiting' | 'gone';

/**
 * A killed process keeps its pid while the kernel tears it down and until its parent reaps it (a
 * zombie): for that while kill(pid, 0) still succeeds. Linux tells these apart in /proc: a zombie
 * or dead state, the PF_EXITING flag, or a SIGKILL or SIGTERM pending. Elsewhere a live pid is running.
 */
function processState(pid: number): ProcessState {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return existsSync('/proc/self/stat') ? 'gone' : 'running';
    return 'running';
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X' || fields[0] === 'x') return 'gone';
  const PF_EXITING = 0x4;
  if ((Number(fields[6]) & PF_EXITING) !== 0) return 'exiting';
  const fatal = (1n << 8n) | (1n << 14n); // SIGKILL (9), SIGTERM (15)
  for (const key of ['SigPnd', 'ShdPnd']) {
    const mask = new RegExp(`^${key}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
    if (mask && (BigInt(`0x${mask}`) & fatal) !== 0n) return 'exiting';
  }
  return 'running';
}

async function whileExiting(pid: number, limitMs: number): Promise<ProcessState> {
  const until = Date.now() + limitMs;
  let state = processState(pid);
  while (state === 'exiting' && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    state = processState(pid);
  }
  return state;
}

/**
 * Whether the process now carrying the holder's pid started after the lock was written: then the
 * pid was reused (common in containers, and after a reboot) and the holder is gone. Linux only
 * (/proc); elsewhere a live pid is trusted. Start time = boot time + starttime clock ticks (100/s).
 */
function startedAfter(holder: Holder): boolean {
  try {
    const stat = readFileSync(`/proc/${holder.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22 of stat; fields here start at field 3
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const lockedAt = Date.parse(holder.started_at);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime) || !Number.isFinite(lockedAt)) return false;
    // 2 s of slack for the rounding of boot time; the real holder started before it locked.
    return btime * 1000 + ticks * 10 > lockedAt + 2000;
  } catch {
    return false;
  }
}
