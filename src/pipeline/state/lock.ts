/**
 * pipeline.lock: what each stage instance was last run with and what it wrote. The only module
 * that writes it. YAML with sorted keys (diffs cleanly in git), always rewritten whole and
 * atomically, so a crash leaves either the old lock or the new one. During a run, new records go
 * to an append-only journal beside it (lock-journal.ts), folded into the file at the end, so that
 * recording an instance costs the same in a lock of ten entries or ten thousand. One rule keeps
 * the file itself never wrongly fresh for readers that do not know the journal (git, a report's
 * provenance, `exp show`): a record the file holds is dropped from the file before its outputs
 * are replaced.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { fail, succeed, UserError, type Problem, type Result, type WithProblems } from '../errors.ts';
import { canonicalize, sha256 } from '../plan/fingerprint.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { readJsonCopy, writeJsonCopy } from '../fs/json-copy.ts';
import { isMissing } from '../fs/missing.ts';
import { LOCK_HEADER, LOCK_VERSION, migrateEntry, migrateLock } from './lock-format.ts';
import { LockJournal, type JournalChange } from './lock-journal.ts';
import { SafeRelPath, schemaIssue } from '../fs/safe-path.ts';
import { stateDirs } from './dirs.ts';
import { loadYaml } from '../spec/yaml-file.ts';

export const LOCK_FILE = 'pipeline.lock';

const PathHashSchema = z.strictObject({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
});

export const LockEntrySchema = z.strictObject({
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  module: z.string(),
  code: z.string(),
  /** The instance's item: the config values a plain stage reads, or a matrix instance's item. */
  item: z.unknown(),
  deps: z.record(z.string(), PathHashSchema),
  /** Out paths are written to by pull: a lock from git passes the rule for outside paths. */
  outs: z.record(SafeRelPath, PathHashSchema),
  run: z.strictObject({
    outcome: z.enum(['ran', 'restored']),
    seconds: z.number().nonnegative(),
    peak_rss_mb: z.number().nonnegative(),
    finished_at: z.string(),
    /** What the stage measured of the run that made these outputs (ctx.measure); absent when nothing. */
    measurements: z.record(z.string(), z.number()).optional(),
  }),
});
export type LockEntry = z.infer<typeof LockEntrySchema>;

const LockFileSchema = z.strictObject({
  version: z.literal(LOCK_VERSION),
  stages: z.record(z.string(), z.unknown()).default({}),
});

/**
 * The one lock parser: a lock's text to its entries. Lenient (`strict: false`, what the runner
 * reads its own lock with) keeps every well-formed entry and says why the rest were ignored;
 * strict (a lock of another revision, read to compare) fails at the first defect. `where` names
 * the lock in strict messages ("the working tree", "revision HEAD").
 */
export async function parseLock(text: string, opts: { strict: true; where: string }): Promise<Result<Map<string, LockEntry>>>;
export async function parseLock(text: string, opts: { strict: false }): Promise<WithProblems<Map<string, LockEntry>>>;
export async function parseLock(
  text: string,
  opts: { strict: boolean; where?: string },
): Promise<Result<Map<string, LockEntry>> | WithProblems<Map<string, LockEntry>>> {
  const { parse } = await loadYaml();
  const entries = new Map<string, LockEntry>();
  const problems: Problem[] = [];
  const at = `${LOCK_FILE} at ${opts.where}`;
  const done = (strictMessage: string, lenientMessage: string) =>
    opts.strict ? fail({ message: strictMessage }) : { value: entries, problems: [...problems, { message: lenientMessage }] };
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    return done(`${at}: not valid YAML (${why})`, `${LOCK_FILE} is not valid YAML (${why}): every stage is treated as never run`);
  }
  // An older layout is read through its migration (lock-format.ts); an unknown one fails below.
  const file = LockFileSchema.safeParse(raw === null || raw === undefined ? { version: LOCK_VERSION } : (migrateLock(raw) ?? raw));
  if (!file.success) {
    return done(`${at}: unknown layout (${firstIssue(file.error)})`, `${LOCK_FILE} has an unknown layout: every stage is treated as never run`);
  }
  for (const [id, value] of Object.entries(file.data.stages)) {
    const entry = LockEntrySchema.safeParse(value);
    if (entry.success) entries.set(id, entry.data);
    else {
      // The issue's own fields (an unsafe path's flag) carry over; only the message is placed in a sentence.
      const issue = schemaIssue(entry.error);
      if (opts.strict) return fail({ ...issue, message: `${at}: the entry of ${id} is malformed (${issue.message})` });
      problems.push({ ...issue, message: `${LOCK_FILE}: the entry of ${id} is malformed (${issue.message}): it is treated as never run` });
    }
  }
  return opts.strict ? succeed(entries) : { value: entries, problems };
}

function firstIssue(error: z.ZodError): string {
  return `${error.issues[0]?.path.join('.')}: ${error.issues[0]?.message}`;
}

/** The journal is folded once it holds this many changes, or as many as the lock has entries. */
const FOLD_AFTER_CHANGES = 1024;
/** Up to this size the lock is folded before each stage runs, so stage code reads it current. */
const FOLD_BEFORE_JOB_ENTRIES = 2000;

export class Lock {
  private readonly entries = new Map<string, LockEntry>();
  /** Why parts of the file were ignored (corrupt YAML, a hand-edited entry); shown by status. */
  readonly problems: Problem[] = [];
  private writing: Promise<void> = Promise.resolve();

  /**
   * A JSON copy of the validated entries, keyed by the digest of the YAML text it came from.
   * Parsing YAML costs about 8 ms per entry; an up-to-date run over hundreds of instances reads
   * the copy instead, and any edit to pipeline.lock (a different digest) is parsed and checked.
   */
  private readonly mirror: string;

  private readonly journal: LockJournal;
  /** The digest of pipeline.lock's text as it is on disk (of '' when there is none). */
  private fileDigest = sha256('');
  /** The ids pipeline.lock itself records: dropping one of them rewrites the file. */
  private inFile = new Set<string>();
  /** Changes journaled since the file was last written. */
  private unfolded = 0;
  /** Changes waiting for the next write. */
  private pending: JournalChange[] = [];
  /** A change that must reach the file itself, not only the journal, is pending. */
  private foldPending = false;

  private constructor(
    private readonly file: string,
    root: string,
  ) {
    this.mirror = path.join(stateDirs(root).base, 'lock.json');
    this.journal = new LockJournal(path.join(stateDirs(root).base, 'lock.journal'));
  }

  static async open(root: string): Promise<Lock> {
    const lock = new Lock(path.join(root, LOCK_FILE), root);
    let text: string | undefined;
    try {
      text = await readFile(lock.file, 'utf8');
    } catch (e) {
      // Out of reach is not absent: treating it so would re-run everything and overwrite it.
      if (!isMissing(e)) throw new UserError(`${LOCK_FILE} cannot be read: ${(e as Error).message}`);
    }
    if (text !== undefined) await lock.load(text);
    lock.inFile = new Set(lock.entries.keys());
    await lock.replay();
    return lock;
  }

  private async load(text: string): Promise<void> {
    const digest = sha256(text);
    this.fileDigest = digest;
    // A copy made by an older release (another version) holds entries of its own layout: parse the YAML again.
    const copy = (await readJsonCopy(this.mirror, LOCK_VERSION, digest)) as
      | {
          stages: Record<string, LockEntry>;
          /** Strings in a copy written before problems were Problem values. */
          problems: Array<Problem | string>;
        }
      | undefined;
    if (copy) {
      for (const [id, entry] of Object.entries(copy.stages)) this.entries.set(id, entry);
      this.problems.push(...copy.problems.map((p) => (typeof p === 'string' ? { message: p } : p)));
      return;
    }
    await this.parse(text);
    await this.writeMirror(digest);
  }

  /** A killed run's journal: its changes count (a reader sees them), and the next write folds them. */
  private async replay(): Promise<void> {
    const changes = await LockJournal.read(this.journal.file, this.fileDigest);
    for (const c of changes) {
      if (c.op === 'delete') {
        this.entries.delete(c.id);
        continue;
      }
      const entry = LockEntrySchema.safeParse(migrateEntry(c.entry));
      if (entry.success) this.entries.set(c.id, entry.data);
      else this.entries.delete(c.id); // unreadable: never run, as a malformed entry in the file
    }
    if (changes.length > 0) this.foldPending = true;
  }

  private async parse(text: string): Promise<void> {
    const { value: entries, problems } = await parseLock(text, { strict: false });
    for (const [id, entry] of entries) this.entries.set(id, entry);
    this.problems.push(...problems);
  }

  private writeMirror(digest: string, problems = this.problems): Promise<void> {
    const stages = Object.fromEntries(this.entries);
    return writeJsonCopy(this.mirror, LOCK_VERSION, digest, { stages, problems });
  }

  get(id: string): LockEntry | undefined {
    return this.entries.get(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Records an instance; resolves once the record is on disk. Writes are serialized in call order. */
  set(id: string, entry: LockEntry): Promise<void> {
    this.entries.set(id, entry);
    this.rendered.delete(id);
    this.renderSoon(id, entry);
    return this.change({ op: 'set', id, entry });
  }

  /** Drops an instance's record (before its outputs are replaced); resolves once that is on disk. */
  delete(id: string): Promise<void> {
    this.rendered.delete(id);
    if (!this.entries.delete(id)) return this.writing;
    return this.change({ op: 'delete', id });
  }

  /** Forgets instances that are no longer in the pipeline. */
  retainOnly(ids: Set<string>): Promise<void> {
    for (const id of [...this.entries.keys()]) if (!ids.has(id)) void this.delete(id);
    return this.writing;
  }

  /**
   * Writes pipeline.lock with every change made so far and removes the journal; at the end of a
   * run, and before a stage runs while the lock is small (stage code may read it: the report
   * records its digest). A no-op when the file is current.
   */
  fold(): Promise<void> {
    if (this.pending.length === 0 && this.unfolded === 0 && !this.foldPending) return this.writing;
    this.foldPending = true;
    return this.flush();
  }

  /** Before a job: fold while folding is cheap; a lock of thousands folds only every so often. */
  foldBeforeJob(): Promise<void> {
    return this.entries.size <= FOLD_BEFORE_JOB_ENTRIES ? this.fold() : this.writing;
  }

  private change(c: JournalChange): Promise<void> {
    // The file's own record of it must go before its outputs change (the rule in the header).
    if (c.op === 'delete' && this.inFile.has(c.id)) this.foldPending = true;
    this.pending.push(c);
    return this.flush();
  }

  /**
   * Resolves once a write that began after this call is on disk, so a caller that awaits it
   * (commit drops an entry before it replaces outputs) knows its change is durable. Changes made
   * while a write is in flight share the next one: a grid of thousands of instances finishing
   * together appends (or rewrites the file) a few times, not once per instance.
   */
  private flush(): Promise<void> {
    if (!this.next) {
      const next = this.writing.then(async () => {
        this.next = undefined;
        const changes = this.pending.splice(0);
        if (this.foldPending || this.unfolded + changes.length > Math.max(FOLD_AFTER_CHANGES, this.entries.size)) {
          await this.writeWhole();
          return;
        }
        if (changes.length === 0) return;
        if (!this.journal.open) await this.journal.begin(this.fileDigest);
        await this.journal.append(changes);
        this.unfolded += changes.length;
      });
      this.next = next;
      this.writing = next;
    }
    return this.next;
  }

  private next: Promise<void> | undefined;

  /** The file rewritten from the entries in memory; the journal, now folded into it, goes. */
  private async writeWhole(): Promise<void> {
    this.foldPending = false;
    // What the file will hold, taken with the text: a record dropped while it is written is seen
    // as in the file, and rewrites it again.
    this.inFile = new Set(this.entries.keys());
    const snapshot = await this.render();
    await writeFileAtomic(this.file, snapshot);
    this.fileDigest = sha256(snapshot);
    await this.writeMirror(this.fileDigest, []);
    await this.journal.remove();
    this.unfolded = 0;
  }

  /**
   * The file's text. Each entry's YAML is made once and kept until the entry changes: a grid of
   * thousands of instances rewrites the lock after each, and re-serializing every entry each time
   * made recording quadratic. The text is the same as serializing the whole document at once.
   */
  async render(): Promise<string> {
    const yaml = await loadYaml();
    const ids = [...this.entries.keys()].sort();
    if (ids.length === 0) return yaml.stringify({ version: LOCK_VERSION, stages: {} }, { lineWidth: 0, sortMapEntries: false });
    const blocks = ids.map((id) => {
      let block = this.rendered.get(id);
      if (block === undefined) this.rendered.set(id, (block = renderEntry(yaml, id, this.entries.get(id)!)));
      return block;
    });
    return `${LOCK_HEADER}\nstages:\n${blocks.join('')}`;
  }

  /**
   * Renders a new entry's YAML soon after it is recorded, between the runner's other work (its
   * waits on stages and on the disk), so that the fold at the end of a run of thousands finds
   * the text made: rendering 10,000 entries at once took 1.7 s of the run's end.
   */
  private renderSoon(id: string, entry: LockEntry): void {
    setImmediate(() => {
      loadYaml()
        .then((yaml) => {
          if (this.entries.get(id) === entry && !this.rendered.has(id)) this.rendered.set(id, renderEntry(yaml, id, entry));
        })
        // Not here, in a callback nobody awaits: a failure shows at the fold, which renders it again.
        .catch(() => {});
    });
  }

  /** Rendered YAML of each entry, dropped when the entry changes. */
  private readonly rendered = new Map<string, string>();
}

/** One entry's block of the file: its YAML, indented under `stages:`. */
function renderEntry(yaml: Awaited<ReturnType<typeof loadYaml>>, id: string, entry: LockEntry): string {
  return yaml.stringify({ [id]: canonicalize(entry) }, { lineWidth: 0, sortMapEntries: false }).replace(/^(?=.)/gm, '  ');
}
