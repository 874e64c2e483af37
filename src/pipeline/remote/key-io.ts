/**
 * One key's bytes between the local cache and a remote, verified: a SHA-256 over every byte that
 * passes, so an upload that read something else than its key names is taken back, a download is
 * placed into the local cache only when it hashes to its key, and a document read whole stops at
 * its size cap. The transfers of many keys in order are transfer.ts'.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fail, succeed, type Result } from '../errors.ts';
import { replaceAtomically } from '../fs/atomic.ts';
import { MAX_DOCUMENT_BYTES } from './layout.ts';
import { StoreError, withRetry, type RemoteStore } from './store.ts';

/**
 * More bytes arrived than were expected: the transfer stopped there. A StoreError (so a UserError)
 * wherever it escapes (downloadBytes); its own class only so that boundedBytes and
 * downloadVerified, here, can tell it from the store's failures and name the object instead.
 */
class OversizedError extends StoreError {
  constructor(
    readonly key: string,
    readonly limit: number,
  ) {
    super(`${key} is larger than ${limit} bytes; reading stopped there`, false);
    this.name = 'OversizedError';
  }
}

/** Counts and hashes what flows through it; fails (stopping the transfer) past `limit` bytes. */
function meter(onBytes: (n: number) => void, limit = Infinity, key = ''): Transform & { digest(): { hash: string; size: number } } {
  const h = createHash('sha256');
  let size = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (size + chunk.length > limit) {
        cb(new OversizedError(key, limit));
        return;
      }
      h.update(chunk);
      size += chunk.length;
      onBytes(chunk.length);
      cb(null, chunk);
    },
  }) as Transform & { digest(): { hash: string; size: number } };
  let result: { hash: string; size: number } | undefined;
  t.digest = () => (result ??= { hash: h.digest('hex'), size });
  return t;
}

/**
 * A local file whose content did not match its address while it was being sent: stops the upload.
 * A control-flow mark private to uploadFile: thrown from the store's check (stores pass it through
 * untouched) and caught there, where it becomes the failed Result the caller sees.
 */
class LocalContentError extends Error {
  constructor(
    readonly file: string,
    readonly hash: string,
  ) {
    super(`${file} does not hold the content ${hash.slice(0, 12)}… it should (changed or corrupt)`);
    this.name = 'LocalContentError';
  }
}

/**
 * Uploads `file` to `key`, checking on the way that it is the content `hash` names; a file that is
 * not (changed, corrupt or gone) fails the Result and the key is left without it.
 */
export async function uploadFile(
  store: RemoteStore,
  key: string,
  file: string,
  hash: string,
  size: number,
  onBytes: (n: number) => void,
): Promise<Result<void>> {
  try {
    await withRetry(async () => {
      let sent = 0;
      const m = meter((n) => {
        sent += n;
        onBytes(n);
      });
      const body = createReadStream(file, { highWaterMark: 1 << 20 })
        .on('error', (e) => m.destroy(e))
        .pipe(m);
      try {
        await store.put(key, body, size, () => {
          const got = m.digest();
          if (got.hash !== hash || got.size !== size) throw new LocalContentError(file, hash);
        });
      } catch (e) {
        onBytes(-sent); // a retry sends them again
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LocalContentError(file, hash);
        throw e;
      }
    });
    return succeed(undefined);
  } catch (e) {
    if (e instanceof LocalContentError) return fail(e.message);
    throw e;
  }
}

export async function uploadBytes(store: RemoteStore, key: string, data: Buffer): Promise<void> {
  await withRetry(() => {
    const body = new PassThrough();
    body.end(data);
    return store.put(key, body, data.length, () => undefined);
  });
}

/**
 * Downloads `key` into `dest` (created by rename, never partially) when its content hashes to
 * `hash`: 'placed', or 'absent' when the remote lacks it; a truncated or altered object fails the
 * Result with why, and nothing is written.
 */
export async function downloadVerified(
  store: RemoteStore,
  key: string,
  dest: string,
  hash: string,
  size: number | undefined,
  onBytes: (n: number) => void,
): Promise<Result<'placed' | 'absent'>> {
  return withRetry(async () => {
    const body = await store.get(key);
    if (!body) return succeed('absent' as const);
    let got = 0;
    // One byte more than recorded proves the object wrong: the transfer stops there, so an
    // object far larger than its record neither takes the time nor fills the disk.
    const m = meter(
      (n) => {
        got += n;
        onBytes(n);
      },
      size === undefined ? Infinity : size + 1,
      key,
    );
    let corrupt: string | undefined;
    try {
      await replaceAtomically(dest, async (tmp) => {
        try {
          await pipeline(body, m, createWriteStream(tmp));
        } catch (e) {
          if (!(e instanceof OversizedError)) throw e;
          corrupt = `larger than the ${size} bytes recorded; the transfer stopped there`;
          return false;
        }
        const d = m.digest();
        if (d.hash === hash) return true;
        corrupt =
          size !== undefined && d.size !== size
            ? `truncated or padded: ${d.size} bytes where ${size} were recorded`
            : `its content hashes to ${d.hash.slice(0, 12)}…`;
        return false;
      });
    } catch (e) {
      onBytes(-got);
      throw asStoreError(e, key);
    }
    if (corrupt !== undefined) onBytes(-got);
    return corrupt === undefined ? succeed('placed' as const) : fail(corrupt);
  });
}

/**
 * The SHA-256 of what the remote holds at `key` (undefined when absent), for `push --verify`;
 * 'oversized' when it holds more than the `size` bytes it should (reading stops there).
 */
export async function remoteHash(store: RemoteStore, key: string, size: number): Promise<string | undefined> {
  return withRetry(async () => {
    const body = await store.get(key);
    if (!body) return undefined;
    const h = createHash('sha256');
    let got = 0;
    try {
      for await (const c of body) {
        got += (c as Buffer).length;
        if (got > size) {
          body.destroy();
          return 'oversized';
        }
        h.update(c as Buffer);
      }
    } catch (e) {
      throw asStoreError(e, key);
    }
    return h.digest('hex');
  });
}

/**
 * A small object (record, manifest, scratch file) read whole; undefined when absent. Reading stops
 * past `maxBytes` with an OversizedError: a remote cannot make this process hold an endless body.
 */
export async function downloadBytes(store: RemoteStore, key: string, maxBytes: number = MAX_DOCUMENT_BYTES): Promise<Buffer | undefined> {
  return withRetry(async () => {
    const body = await store.get(key);
    if (!body) return undefined;
    try {
      const chunks: Buffer[] = [];
      let got = 0;
      for await (const c of body) {
        got += (c as Buffer).length;
        if (got > maxBytes) {
          body.destroy();
          throw new OversizedError(key, maxBytes);
        }
        chunks.push(c as Buffer);
      }
      return Buffer.concat(chunks);
    } catch (e) {
      throw asStoreError(e, key);
    }
  });
}

/** A record or manifest (undefined when absent), read up to its size cap: an oversized one fails, to be named. */
export async function boundedBytes(store: RemoteStore, key: string): Promise<Result<Buffer | undefined>> {
  try {
    return succeed(await downloadBytes(store, key));
  } catch (e) {
    if (e instanceof OversizedError) return fail(e.message);
    throw e;
  }
}

/** A connection cut in the middle of a body surfaces from the stream, not the store: still transient. */
function asStoreError(e: unknown, key: string): unknown {
  if (e instanceof StoreError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code && ['ENOSPC', 'EACCES', 'EROFS', 'EDQUOT'].includes(code)) return e; // the local disk, not the remote
  return new StoreError(`reading ${key} broke off: ${(e as Error).message}`, true);
}
