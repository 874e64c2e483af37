/**
 * The lock's journal: .pipeline/lock.journal, the changes made to pipeline.lock since it was last
 * written whole. Rewriting the whole lock after every instance cost time in proportion to the
 * lock (16 ms an instance at 10,000 instances); appending one line costs the same at any size.
 * lock.ts folds the journal into pipeline.lock (and removes it) at the end of a run, before stage
 * code runs (a stage may read the lock), and whenever it has grown as long as the lock.
 *
 * Crash safety is the lock's as before: each batch of lines is fsynced before the change counts
 * as made, and the first line names the digest of the pipeline.lock the changes apply to. A
 * killed run's journal is replayed by the next reader and folded by the next writer; a journal
 * whose lock was since replaced (folded, then killed before the journal went; or edited by hand)
 * is ignored, since that lock already holds, or overrides, what it says.
 */
import { mkdir, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isMissing } from '../fs/missing.ts';

/** One change to the lock: an instance recorded, or its record dropped. */
export type JournalChange = { op: 'set'; id: string; entry: unknown } | { op: 'delete'; id: string };

const VERSION = 1;

export class LockJournal {
  private handle: FileHandle | undefined;

  constructor(readonly file: string) {}

  /**
   * The changes journaled on top of the lock whose text has `lockDigest`, in order; [] when
   * there is no journal, or one for another lock. A last line cut short by a crash is not a change.
   */
  static async read(file: string, lockDigest: string): Promise<JournalChange[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    const lines = text.split('\n');
    lines.pop(); // after the last newline: empty, or a line whose write never finished
    const header = parseLine(lines.shift());
    if (!header || header.journal !== VERSION || header.lock !== lockDigest) return [];
    const changes: JournalChange[] = [];
    for (const line of lines) {
      const c = parseLine(line);
      if (c?.op === 'set' && typeof c.id === 'string') changes.push({ op: 'set', id: c.id, entry: c.entry });
      else if (c?.op === 'delete' && typeof c.id === 'string') changes.push({ op: 'delete', id: c.id });
      else break; // torn: nothing after it was acknowledged
    }
    return changes;
  }

  get open(): boolean {
    return this.handle !== undefined;
  }

  /** Starts a journal on top of the lock whose text has `lockDigest` (replacing any earlier one). */
  async begin(lockDigest: string): Promise<void> {
    await this.close();
    await mkdir(path.dirname(this.file), { recursive: true });
    this.handle = await open(this.file, 'w');
    await this.handle.write(`${JSON.stringify({ journal: VERSION, lock: lockDigest })}\n`);
    await this.handle.sync();
  }

  /** Appends the changes and waits until they are on disk. */
  async append(changes: JournalChange[]): Promise<void> {
    if (!this.handle) throw new Error('lock journal appended to before it began');
    await this.handle.write(changes.map((c) => `${JSON.stringify(c)}\n`).join(''));
    await this.handle.datasync();
  }

  /** The lock now holds every change: the journal goes. */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.file, { force: true });
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}

function parseLine(line: string | undefined): Record<string, unknown> | undefined {
  if (!line) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
