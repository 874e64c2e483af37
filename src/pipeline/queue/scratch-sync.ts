/**
 * An instance's scratch directory (where stages keep checkpoints) mirrored on the remote under
 * scratch/<fingerprint>/, so that the worker that takes over a job from a dead one resumes where
 * it stopped. Generic on purpose: the runner knows nothing of checkpoints, only that a stage keeps
 * what a rerun needs in ctx.scratch, written whole (temp file + rename, as the training does).
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.ts';
import { safeDestination } from '../fs/safe-path.ts';
import type { RemoteStore } from '../remote/store.ts';
import { downloadBytes, uploadBytes } from '../remote/key-io.ts';
import { parallel, withRetry } from '../remote/store.ts';

/** A checkpoint is read whole into memory: this bounds what a remote can make a worker hold. */
const MAX_SCRATCH_FILE_BYTES = 2 ** 30;

export const scratchPrefix = (fingerprint: string): string => `scratch/${fingerprint}/`;

/** A file still being written under a temporary name is not a checkpoint yet. */
const isPartial = (name: string): boolean => name.endsWith('.tmp');

/** Brings a previous worker's scratch files into `dir`; returns how many there were. */
export async function downloadScratch(store: RemoteStore, fingerprint: string, dir: string): Promise<number> {
  const prefix = scratchPrefix(fingerprint);
  const keys: string[] = [];
  await withRetry(async () => {
    keys.length = 0;
    for await (const o of store.list(prefix)) keys.push(o.key);
  });
  await parallel(keys, 4, async (key) => {
    // A key is a name the remote chose: it passes the rule for outside paths before it is a file here.
    await mkdir(dir, { recursive: true });
    const dest = await safeDestination(dir, key.slice(prefix.length));
    if (!dest.ok) throw new Error(`${store.label}: scratch file refused: ${dest.problems[0]!.message}`);
    const bytes = await downloadBytes(store, key, MAX_SCRATCH_FILE_BYTES);
    if (!bytes) return; // deleted meanwhile: the job finished elsewhere
    await writeFileAtomic(dest.value, bytes);
  });
  return keys.length;
}

export async function deleteScratch(store: RemoteStore, fingerprint: string): Promise<void> {
  const keys: string[] = [];
  for await (const o of store.list(scratchPrefix(fingerprint))) keys.push(o.key);
  await parallel(keys, 4, (key) => withRetry(() => store.delete(key)));
}

/** Sends the scratch files that changed since the last sync, every `everyMs` while the stage runs. */
export class ScratchUploader {
  private readonly sent = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RemoteStore,
    private readonly fingerprint: string,
    private readonly dir: string,
    private readonly everyMs: number,
    private readonly warn: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sync(), this.everyMs);
  }

  /** One sync at a time; a failed one is reported and tried again at the next tick. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.upload()).catch((e) => this.warn(`scratch not sent to ${this.store.label}: ${(e as Error).message}`));
    return this.syncing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing;
  }

  private async upload(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir, { recursive: true })).map(String);
    } catch {
      return; // the stage has not made it yet
    }
    for (const rel of names.filter((n) => !isPartial(n))) {
      const file = path.join(this.dir, rel);
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile()) continue;
      const version = `${st.size}:${st.mtimeMs}:${st.ino}`;
      if (this.sent.get(rel) === version) continue;
      const bytes = await readFile(file).catch(() => undefined);
      if (!bytes) continue; // replaced between stat and read: the next tick sends the new one
      await uploadBytes(this.store, `${scratchPrefix(this.fingerprint)}${rel.split(path.sep).join('/')}`, bytes);
      this.sent.set(rel, version);
    }
  }
}
