/**
 * Follows the newest run's event log: each poll reads only the bytes appended since the last one
 * (a partial last line waits for its end), and switches to a newer run's file when one appears.
 * For `pipeline ui`, and for any tool that wants a run as records.
 */
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { EventRecordSchema, RUN_FILE, runsDir, type EventRecord } from './format.ts';

export interface FollowedRun {
  run: string;
  pid: number | undefined;
  records: EventRecord[];
  /** The run wrote its last record ("finished"), or its process is gone. */
  ended: boolean;
}

export class RunFollower {
  private file: string | undefined;
  private offset = 0;
  private current: FollowedRun | undefined;

  constructor(private readonly root: string) {}

  /** The run being followed, with every record read so far. */
  get run(): FollowedRun | undefined {
    return this.current;
  }

  /**
   * Reads what was appended since the last call. `switched` is true when a newer run's log was
   * found: `records` are then that run's from its first.
   */
  async poll(): Promise<{ switched: boolean; records: EventRecord[] }> {
    const newest = await this.newestFile();
    let switched = false;
    if (newest !== undefined && newest !== this.file) {
      this.file = newest;
      this.offset = 0;
      this.current = { run: path.basename(newest, '.ndjson'), pid: undefined, records: [], ended: false };
      switched = true;
    }
    const records = this.file === undefined ? [] : await this.readNew(this.file);
    const run = this.current;
    if (run) {
      for (const r of records) {
        if (r.type === 'run') run.pid = r.pid;
        if (r.type === 'finished') run.ended = true;
      }
      run.records.push(...records);
      if (!run.ended && run.pid !== undefined && !alive(run.pid)) run.ended = true;
    }
    return { switched, records };
  }

  private async newestFile(): Promise<string | undefined> {
    let names: string[];
    try {
      names = await readdir(runsDir(this.root));
    } catch {
      return undefined; // no run yet
    }
    const logs = names.filter((n) => RUN_FILE.test(n)).sort();
    const last = logs.at(-1);
    return last === undefined ? undefined : path.join(runsDir(this.root), last);
  }

  private async readNew(file: string): Promise<EventRecord[]> {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch {
      return []; // pruned by a newer run between readdir and open
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      // Only whole lines: a line being written (or a character split across reads) waits.
      const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
      this.offset += end;
      const lines = buf.subarray(0, end).toString('utf8').split('\n');
      const records: EventRecord[] = [];
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          const r = EventRecordSchema.safeParse(JSON.parse(line));
          if (r.success) records.push(r.data);
        } catch {
          // a line a newer writer's format adds, or damage: skipped, the rest still follows
        }
      }
      return records;
    } finally {
      await handle.close();
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
