/**
 * pipeline.lock: what each stage instance was last run with and what it wrote. The only module
 * that writes it. YAML with sorted keys (diffs cleanly in git), rewritten whole and atomically
 * after every completed instance, so a crash leaves either the old lock or the new one.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { fail, succeed, UserError, type Result } from './errors.ts';
import { canonicalize, sha256 } from './fingerprint.ts';
import { writeFileAtomic } from './fs-atomic.ts';
import { isMissing } from './fs-missing.ts';
import { SafeRelPath, schemaProblem } from './safe-path.ts';
import { stateDirs } from './state-dirs.ts';

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
  params: z.unknown(),
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
  schema: z.literal(1),
  stages: z.record(z.string(), z.unknown()).default({}),
});

/**
 * The one lock parser: a lock's text to its entries. Lenient (`strict: false`, what the runner
 * reads its own lock with) keeps every well-formed entry and says why the rest were ignored;
 * strict (a lock of another revision, read to compare) fails at the first defect. `where` names
 * the lock in strict messages ("the working tree", "revision HEAD").
 */
export function parseLock(text: string, opts: { strict: true; where: string }): Result<Map<string, LockEntry>>;
export function parseLock(text: string, opts: { strict: false }): { entries: Map<string, LockEntry>; problems: string[] };
export function parseLock(
  text: string,
  opts: { strict: boolean; where?: string },
): Result<Map<string, LockEntry>> | { entries: Map<string, LockEntry>; problems: string[] } {
  const entries = new Map<string, LockEntry>();
  const problems: string[] = [];
  const at = `${LOCK_FILE} at ${opts.where}`;
  const done = (strictMessage: string, lenientMessage: string) =>
    opts.strict ? fail({ message: strictMessage }) : { entries, problems: [...problems, lenientMessage] };
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    return done(`${at}: not valid YAML (${why})`, `${LOCK_FILE} is not valid YAML (${why}): every stage is treated as never run`);
  }
  const file = LockFileSchema.safeParse(raw ?? { schema: 1 });
  if (!file.success) {
    return done(`${at}: unknown layout (${firstIssue(file.error)})`, `${LOCK_FILE} has an unknown layout: every stage is treated as never run`);
  }
  for (const [id, value] of Object.entries(file.data.stages)) {
    const entry = LockEntrySchema.safeParse(value);
    if (entry.success) entries.set(id, entry.data);
    else if (opts.strict) return fail({ message: `${at}: the entry of ${id} is malformed (${schemaProblem(entry.error)})` });
    else problems.push(`${LOCK_FILE}: the entry of ${id} is malformed (${schemaProblem(entry.error)}): it is treated as never run`);
  }
  return opts.strict ? succeed(entries) : { entries, problems };
}

function firstIssue(error: z.ZodError): string {
  return `${error.issues[0]?.path.join('.')}: ${error.issues[0]?.message}`;
}

export class Lock {
  private readonly entries = new Map<string, LockEntry>();
  /** Why parts of the file were ignored (corrupt YAML, a hand-edited entry); shown by status. */
  readonly problems: string[] = [];
  private writing: Promise<void> = Promise.resolve();

  /**
   * A JSON copy of the validated entries, keyed by the digest of the YAML text it came from.
   * Parsing YAML costs about 8 ms per entry; an up-to-date run over hundreds of instances reads
   * the copy instead, and any edit to pipeline.lock (a different digest) is parsed and checked.
   */
  private readonly mirror: string;

  private constructor(
    private readonly file: string,
    root: string,
  ) {
    this.mirror = path.join(stateDirs(root).base, 'lock.json');
  }

  static async open(root: string): Promise<Lock> {
    const lock = new Lock(path.join(root, LOCK_FILE), root);
    let text: string;
    try {
      text = await readFile(lock.file, 'utf8');
    } catch (e) {
      if (isMissing(e)) return lock; // no lock yet: everything is stale
      // Out of reach is not absent: treating it so would re-run everything and overwrite it.
      throw new UserError(`${LOCK_FILE} cannot be read: ${(e as Error).message}`);
    }
    const digest = sha256(text);
    try {
      const copy = JSON.parse(await readFile(lock.mirror, 'utf8')) as { digest: string; stages: Record<string, LockEntry>; problems: string[] };
      if (copy.digest === digest) {
        for (const [id, entry] of Object.entries(copy.stages)) lock.entries.set(id, entry);
        lock.problems.push(...copy.problems);
        return lock;
      }
    } catch {
      // no copy, or a torn one: parse the YAML
    }
    lock.parse(text);
    await lock.writeMirror(digest);
    return lock;
  }

  private parse(text: string): void {
    const { entries, problems } = parseLock(text, { strict: false });
    for (const [id, entry] of entries) this.entries.set(id, entry);
    this.problems.push(...problems);
  }

  private writeMirror(digest: string, problems = this.problems): Promise<void> {
    const stages = Object.fromEntries(this.entries);
    return writeFileAtomic(this.mirror, JSON.stringify({ digest, stages, problems }));
  }

  get(id: string): LockEntry | undefined {
    return this.entries.get(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Records an instance and writes the file; writes are serialized in call order. */
  set(id: string, entry: LockEntry): Promise<void> {
    this.entries.set(id, entry);
    this.rendered.delete(id);
    return this.write();
  }

  /** Drops an instance's record (before its outputs are replaced) and writes the file. */
  delete(id: string): Promise<void> {
    this.rendered.delete(id);
    if (!this.entries.delete(id)) return this.writing;
    return this.write();
  }

  /** Forgets instances that are no longer in the pipeline. */
  retainOnly(ids: Set<string>): Promise<void> {
    let changed = false;
    for (const id of [...this.entries.keys()]) {
      if (!ids.has(id)) {
        this.entries.delete(id);
        this.rendered.delete(id);
        changed = true;
      }
    }
    return changed ? this.write() : this.writing;
  }

  /**
   * Resolves once a write that began after this call is on disk, so a caller that awaits it
   * (commit drops an entry before it replaces outputs) knows its change is durable. Changes made
   * while a write is in flight share the next one: a grid of thousands of instances finishing
   * together rewrites the file a few times, not once per instance.
   */
  private write(): Promise<void> {
    if (!this.next) {
      const next = this.writing.then(async () => {
        this.next = undefined;
        const snapshot = this.render();
        await writeFileAtomic(this.file, snapshot);
        await this.writeMirror(sha256(snapshot), []);
      });
      this.next = next;
      this.writing = next;
    }
    return this.next;
  }

  private next: Promise<void> | undefined;

  /**
   * The file's text. Each entry's YAML is made once and kept until the entry changes: a grid of
   * thousands of instances rewrites the lock after each, and re-serializing every entry each time
   * made recording quadratic. The text is the same as serializing the whole document at once.
   */
  render(): string {
    const ids = [...this.entries.keys()].sort();
    if (ids.length === 0) return stringify({ schema: 1, stages: {} }, { lineWidth: 0, sortMapEntries: false });
    const blocks = ids.map((id) => {
      let block = this.rendered.get(id);
      if (block === undefined) {
        const text = stringify({ [id]: canonicalize(this.entries.get(id)) }, { lineWidth: 0, sortMapEntries: false });
        block = text.replace(/^(?=.)/gm, '  ');
        this.rendered.set(id, block);
      }
      return block;
    });
    return `schema: 1\nstages:\n${blocks.join('')}`;
  }

  /** Rendered YAML of each entry, dropped when the entry changes. */
  private readonly rendered = new Map<string, string>();
}
