/**
 * A remote in a directory: a shared drive, NFS, an external disk. Objects are plain files at
 * their keys, written to a temp file beside the final name and renamed, so a killed push leaves
 * at most a *.tmp that the next push ignores and overwrites.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { replaceAtomically } from '../fs/atomic.ts';
import { StoreError, type ListedObject, type RemoteStore } from './store.ts';

export class DirStore implements RemoteStore {
  constructor(
    readonly label: string,
    private readonly root: string,
  ) {}

  private abs(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    const walk = async function* (this: DirStore, dir: string, keyPrefix: string): AsyncGenerator<ListedObject> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw this.fail(e, `list ${keyPrefix}`);
      }
      const files = entries.filter((e) => e.isFile() && !e.name.endsWith('.tmp'));
      const stats = await Promise.all(files.map((e) => stat(path.join(dir, e.name)).catch(() => undefined)));
      for (const [i, e] of files.entries()) {
        const st = stats[i];
        if (st) yield { key: `${keyPrefix}${e.name}`, size: st.size, mtimeMs: st.mtimeMs };
      }
      for (const e of entries) if (e.isDirectory()) yield* walk.call(this, path.join(dir, e.name), `${keyPrefix}${e.name}/`);
    };
    await this.checkRoot();
    yield* walk.call(this, this.abs(prefix), prefix);
  }

  async head(key: string): Promise<number | undefined> {
    await this.checkRoot();
    try {
      return (await stat(this.abs(key))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.fail(e, `read ${key}`);
    }
  }

  async put(key: string, body: Readable, _size: number, check: () => void): Promise<void> {
    await this.checkRoot();
    try {
      await replaceAtomically(this.abs(key), async (tmp) => {
        await pipeline(body, createWriteStream(tmp));
        check();
      });
    } catch (e) {
      throw e instanceof StoreError || !(e as NodeJS.ErrnoException).code ? e : this.fail(e, `write ${key}`);
    }
  }

  async get(key: string): Promise<Readable | undefined> {
    await this.checkRoot();
    const stream = createReadStream(this.abs(key), { highWaterMark: 1 << 20 });
    // Opening is asynchronous: wait for it, so that "absent" is an answer and not a stream error.
    return new Promise((resolve, reject) => {
      stream.once('open', () => resolve(stream));
      stream.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? resolve(undefined) : reject(this.fail(e, `read ${key}`))));
    });
  }

  async delete(key: string): Promise<void> {
    await rm(this.abs(key), { force: true }).catch((e) => {
      throw this.fail(e, `delete ${key}`);
    });
  }

  probe(): Promise<void> {
    return this.checkRoot();
  }

  close(): void {}

  /** A remote whose directory is gone (an unmounted drive) must not be recreated empty by a push. */
  private rootChecked = false;
  private async checkRoot(): Promise<void> {
    if (this.rootChecked) return;
    const st = await stat(this.root).catch(() => undefined);
    if (!st?.isDirectory()) throw new StoreError(`${this.root} is not a directory (create it, or mount the drive, first)`, false);
    this.rootChecked = true;
  }

  private fail(e: unknown, what: string): StoreError {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied'
        : err.code === 'EROFS'
          ? 'read-only file system'
          : err.code === 'ENOSPC'
            ? 'no space left on the device'
            : err.message;
    // A directory remote fails the same way twice; only a flaky network mount is worth a retry.
    return new StoreError(`cannot ${what} in ${this.root}: ${why}`, err.code === 'EIO' || err.code === 'ESTALE' || err.code === 'ETIMEDOUT');
  }
}
