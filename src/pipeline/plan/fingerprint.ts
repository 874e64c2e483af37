/**
 * The one hasher. Files are hashed by content (SHA-256), directories by the sorted list of their
 * files' paths and hashes, and a stage instance by the canonical JSON of everything that decides
 * its outputs. File hashes are remembered by (path, size, mtime, inode), so an up-to-date run
 * re-reads no large file. For a symbolic link (a profile's pipeline.yaml, package.json, ...) these
 * are the stat of the file it leads to, plus where it leads: the link's own stat never changes
 * when its target is edited, so a hash remembered by it would never be computed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { codeDigest } from './code-digest.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { walk } from '../fs/walk.ts';

export interface PathHash {
  hash: string;
  /** Total bytes and file count (1 for a file): shown by status, and a cheap first check. */
  size: number;
  files: number;
}

/** What a remembered hash is keyed on: all of it changes whenever the content can. */
interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
  /** For a path through a link: the real path of the file it leads to. */
  target?: string;
}

interface StatEntry extends FileStat {
  hash: string;
}

/** Sorted keys at every level, so equal values give equal strings and the lock diffs cleanly. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonicalize(v);
    }
    return out;
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What decides an instance's outputs; equal fingerprints mean the outputs can be reused. */
export interface FingerprintInput {
  module: string;
  code: string;
  /** The instance's item (its key predates the name: renaming it would change every fingerprint). */
  params: unknown;
  deps: Record<string, string>;
  outs: string[];
  /** The names of deps and outs declared as mappings; undefined (left out of the hash) for lists. */
  names?: { deps?: Record<string, string>; outs?: Record<string, string> };
}

export function fingerprintOf(input: FingerprintInput): string {
  return sha256(canonicalJson(input));
}

/** Code digests share the stat cache under keys no path can have (a NUL byte). */
const CODE_KEY = '\0code\0';

export type DirListing = Array<{ path: string; hash: string; size: number }>;

export class Hasher {
  private entries = new Map<string, StatEntry>();
  private dirty = false;

  private constructor(
    private readonly root: string,
    private readonly file: string,
  ) {}

  /** Loads the stat cache from `file` (a missing or unreadable cache only costs re-reading). */
  static async open(root: string, file: string): Promise<Hasher> {
    const h = new Hasher(root, file);
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as Record<string, StatEntry>;
      for (const [k, v] of Object.entries(data)) {
        if (typeof v?.hash === 'string' && typeof v.size === 'number') h.entries.set(k, v);
      }
    } catch {
      // no cache yet
    }
    return h;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const obj: Record<string, StatEntry> = {};
    for (const [k, v] of [...this.entries].sort(([a], [b]) => a.localeCompare(b))) obj[k] = v;
    await writeFileAtomic(this.file, JSON.stringify(obj));
    this.dirty = false;
  }

  /** Hash of a project-relative file or directory, or undefined when it does not exist. */
  async hashPath(rel: string): Promise<PathHash | undefined> {
    const d = await this.describe(rel);
    return d && { hash: d.hash, size: d.size, files: d.files };
  }

  /** hashPath plus, for a directory, the listing it was hashed from (the run-cache stores it). */
  async describe(rel: string): Promise<(PathHash & { listing?: DirListing }) | undefined> {
    const abs = path.join(this.root, rel);
    const st = statOrMissing(abs);
    if (!st) return undefined;
    if (st.isDirectory()) {
      const listing = await this.listDir(abs);
      return { hash: dirHash(listing), size: listing.reduce((s, f) => s + f.size, 0), files: listing.length, listing };
    }
    const hash = await this.hashFileAt(abs, st);
    return { hash, size: st.size, files: 1 };
  }

  /**
   * The digest of a code file as a program (see code-digest.ts), remembered by (path, size, mtime,
   * inode) like content hashes; undefined when the file does not exist.
   */
  async codeDigestOf(rel: string): Promise<string | undefined> {
    const abs = path.join(this.root, rel);
    const st = statOrMissing(abs);
    if (!st || st.isDirectory()) return undefined;
    return this.remembered(`${CODE_KEY}${rel}`, st, async () => codeDigest(await readFile(abs, 'utf8'), rel));
  }

  /** Lists a directory's files as (relative path, hash, size), sorted: the cache stores dirs this way. */
  async listDir(abs: string): Promise<DirListing> {
    const out: DirListing = [];
    for await (const { rel, entry } of walk(abs)) {
      if (entry.isDirectory()) continue;
      const file = path.join(abs, rel);
      const st = statOrMissing(file);
      if (!st) continue; // a link leading nowhere: there is no content to list
      out.push({ path: rel, hash: await this.hashFileAt(file, st), size: st.size });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private async hashFileAt(abs: string, st: FileStat): Promise<string> {
    return this.remembered(path.relative(this.root, abs), st, () => hashFileContent(abs));
  }

  /** The hash under `key` while the file's (size, mtime, inode, link target) are those it was computed for. */
  private async remembered(key: string, st: FileStat, compute: () => Promise<string>): Promise<string> {
    const known = this.entries.get(key);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs && known.ino === st.ino && known.target === st.target) return known.hash;
    const hash = await compute();
    this.entries.set(key, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, target: st.target, hash });
    this.dirty = true;
    return hash;
  }
}

/**
 * The stat of what a path holds, synchronously: a status of thousands of instances makes tens of
 * thousands of these, and a promise round trip through the thread pool costs ten times the call
 * itself. A link is followed (a link leading nowhere holds nothing: missing) and its real target
 * recorded. Only "not there" reads as missing; a permission error is an error, never a missing output.
 */
function statOrMissing(abs: string): (Stats & { target?: string }) | undefined {
  try {
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st?.isSymbolicLink()) return st;
    const followed = statSync(abs, { throwIfNoEntry: false });
    return followed && Object.assign(followed, { target: realpathSync(abs) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export function dirHash(files: Array<{ path: string; hash: string }>): string {
  return sha256(files.map((f) => `${f.path}\0${f.hash}\n`).join(''));
}

export async function hashFileContent(abs: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(abs, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
