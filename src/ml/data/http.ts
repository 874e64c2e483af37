/**
 * Downloads one URL to a file with node's http/https: redirects, an idle and a total timeout per
 * request, retries with exponential backoff, byte progress. The body goes to `<dest>.part` and is
 * renamed onto `dest` only when complete, so an interrupted transfer never replaces a good file.
 */
import http from 'node:http';
import https from 'node:https';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import type { HttpOptions } from './config.ts';

export interface FetchHooks {
  onProgress?(received: number, total: number | undefined): void;
  /** Called before each retry, with the reason the previous attempt failed. */
  onRetry?(attempt: number, reason: string, waitMs: number): void;
  signal?: AbortSignal;
}

/** A failed attempt; `retryable` is false for answers that will not change (404, 403, bad redirect). */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

/** Fetches `url` into `dest`; throws a FetchError naming the last attempt's reason. */
export async function fetchToFile(url: string, dest: string, opts: HttpOptions, hooks: FetchHooks = {}): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await attemptOnce(url, dest, opts, hooks);
      return;
    } catch (e) {
      const err = toFetchError(e, hooks.signal);
      if (!err.retryable || attempt >= opts.retries) {
        const tries = attempt + 1;
        throw new FetchError(tries > 1 ? `${err.message} (after ${tries} attempts)` : err.message, false);
      }
      const wait = opts.backoff_ms * 2 ** attempt;
      hooks.onRetry?.(attempt + 1, err.message, wait);
      await sleep(wait, undefined, { signal: hooks.signal });
    }
  }
}

function toFetchError(e: unknown, outer: AbortSignal | undefined): FetchError {
  if (outer?.aborted) return new FetchError('interrupted', false);
  if (e instanceof FetchError) return e;
  const err = e as NodeJS.ErrnoException;
  // AbortSignal reasons from our own timers arrive as the FetchError we passed to abort().
  if (err?.cause instanceof FetchError) return err.cause;
  const message = String(err?.message ?? e);
  const text = err?.code && !message.includes(err.code) ? `${err.code}: ${message}` : message;
  // A host that does not resolve will not resolve a second later (EAI_AGAIN is the transient case).
  return new FetchError(text, err?.code !== 'ENOTFOUND');
}

async function attemptOnce(url: string, dest: string, opts: HttpOptions, hooks: FetchHooks): Promise<void> {
  const timer = new AbortController();
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, timer.signal]) : timer.signal;
  const abortWith = (message: string): void => timer.abort(new FetchError(message, true));
  const total = setTimeout(() => abortWith(`timed out after ${opts.request_timeout_ms} ms`), opts.request_timeout_ms);
  let idle: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => abortWith(`no data for ${opts.idle_timeout_ms} ms (timeout)`), opts.idle_timeout_ms);
  };
  const part = `${dest}.part`;
  try {
    touch();
    const res = await followRedirects(url, opts.max_redirects, signal, touch);
    const lengthHeader = res.headers['content-length'];
    const expected = lengthHeader === undefined ? undefined : Number(lengthHeader);
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        touch();
        hooks.onProgress?.(received, expected);
        done(null, chunk);
      },
    });
    await pipeline(res, counter, createWriteStream(part), { signal });
    if (expected !== undefined && received !== expected) {
      throw new FetchError(`truncated response: got ${received} of ${expected} bytes`, true);
    }
    await rename(part, dest);
  } catch (e) {
    await rm(part, { force: true });
    if (timer.signal.aborted) throw timer.signal.reason;
    throw e;
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
  }
}

async function followRedirects(start: string, maxRedirects: number, signal: AbortSignal, touch: () => void): Promise<IncomingMessage> {
  let url = new URL(start);
  for (let hop = 0; ; hop++) {
    const res = await get(url, signal);
    touch();
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    res.resume(); // drain, so the socket is released
    if (status >= 300 && status < 400 && res.headers.location) {
      if (hop >= maxRedirects) throw new FetchError(`more than ${maxRedirects} redirects`, false);
      url = new URL(res.headers.location, url);
      continue;
    }
    const retryable = status >= 500 || status === 429 || status === 408;
    throw new FetchError(`HTTP ${status} ${res.statusMessage ?? ''} from ${url.href}`.trimEnd(), retryable);
  }
}

function get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new FetchError(`unsupported protocol ${url.protocol}`, false));
  return new Promise((resolve, reject) => {
    const req = client.get(url, { signal, headers: { 'user-agent': 'fashion-pipeline' } }, resolve);
    req.on('error', (e) => reject(signal.aborted && signal.reason instanceof FetchError ? signal.reason : e));
  });
}
