/**
 * Reads a job's log as it grows (the shared file system is the only channel from a compute node):
 * new lines become the instance's log events, `::progress` lines its progress events, and the
 * last lines are kept for the failure message.
 */
import { open } from 'node:fs/promises';
import { isErrno } from '../../errors.ts';
import type { ProgressUpdate } from '../../stage.ts';
import { PROGRESS_PREFIX } from './job-files.ts';

const TAIL_LINES = 20;
/** At most this much of the log per poll: a runaway job's log must not flood the coordinator. */
const MAX_READ = 1 << 20;

export class LogFollower {
  private offset = 0;
  private partial = '';
  private readonly tail: string[] = [];

  constructor(
    private file: string,
    private readonly onLine: (line: string) => void,
    private readonly onProgress: (u: ProgressUpdate) => void,
  ) {}

  /** Another attempt writes another log. */
  switchTo(file: string): void {
    this.file = file;
    this.offset = 0;
    this.partial = '';
  }

  async read(): Promise<void> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return; // not started yet
      throw e;
    }
    try {
      const buf = Buffer.alloc(MAX_READ);
      const { bytesRead } = await handle.read(buf, 0, MAX_READ, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    } finally {
      await handle.close();
    }
  }

  /** A line of the executor's own among the job's (what the cluster did with it). */
  say(line: string): void {
    this.onLine(line);
  }

  /** The last lines the job printed (progress lines left out), for a failure message. */
  lastLines(): string[] {
    return this.partial ? [...this.tail, this.partial].slice(-TAIL_LINES) : [...this.tail];
  }

  private take(line: string): void {
    if (line.startsWith(PROGRESS_PREFIX)) {
      try {
        this.onProgress(JSON.parse(line.slice(PROGRESS_PREFIX.length)) as ProgressUpdate);
      } catch {
        // a torn line: the next one carries the same news
      }
      return;
    }
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.onLine(line);
  }
}
