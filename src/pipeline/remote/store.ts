/**
 * One interface over the places a remote can be (an S3-compatible bucket, a directory). Keys are
 * '/'-separated paths below the remote's root. Every write is all-or-nothing at its key: a reader
 * sees the whole object or none (directory: temp file + rename; S3: one PUT or a completed
 * multipart upload). Stores only move bytes; content addressing and verification live above them.
 */
import type { Readable } from 'node:stream';
import { UserError } from '../errors.ts';

export interface ListedObject {
  key: string;
  size: number;
  /** When it was last written (gc keeps what is younger than --keep-days). */
  mtimeMs: number;
}

export interface RemoteStore {
  /** "origin (s3://bucket/prefix)", for messages. */
  readonly label: string;
  /** False for a store that cannot list its keys (a web server): presence is then asked key by key. */
  readonly listable?: boolean;
  /** Every object below `prefix` (a key prefix ending in '/'), in no particular order. */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** The size of `key`, or undefined when it is absent. */
  head(key: string): Promise<number | undefined>;
  /**
   * Writes `body` (`size` bytes) to `key`. `check` runs once the body has been read and throws
   * when it was not what the caller meant to send; the key then ends up without it (a directory
   * store never renames it into place; S3 deletes the key it just wrote).
   */
  put(key: string, body: Readable, size: number, check: () => void): Promise<void>;
  /** The content of `key` as a stream, or undefined when it is absent. */
  get(key: string): Promise<Readable | undefined>;
  delete(key: string): Promise<void>;
  /** Fails now when the remote cannot be used at all (no such directory or bucket, bad credentials). */
  probe(): Promise<void>;
  /** Releases connections (S3) so the process can exit. */
  close(): void;
}

/**
 * A store operation that failed: the user's to fix (a remote failing for good: credentials, a
 * bucket, a mount), so a UserError, one line. `transient` ones (timeouts, resets, 5xx,
 * throttling, a server that is restarting) are retried with backoff (withRetry tells them apart
 * by this class); the rest fail at once. open.ts' asUserError names the remote in the line.
 */
export class StoreError extends UserError {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Node's network error codes that mean "try again" rather than "this will never work". */
export const TRANSIENT_NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

// How operations against a store are run: a bounded number at a time, and retried when they fail
// transiently.

/** Runs `fn` over `items`, at most `limit` at a time; the first error stops new starts and is thrown. */
export async function parallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.error;
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
}

/** Six tries over 3 to 9 s: long enough for a restarting server, short enough to give up on a dead one. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 200 };

export async function withRetry<T>(op: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof StoreError) || !e.transient || attempt >= policy.attempts) throw e;
      // Full jitter, so parallel transfers that failed together do not retry together.
      const delay = policy.baseMs * 2 ** (attempt - 1) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
