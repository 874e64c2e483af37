/**
 * A read-only remote on any static web server (https://host/path, as DVC's http remote): plain
 * GET and HEAD of the usual layout, no credentials. A course or a paper publishes a finished run
 * by copying a directory remote to its web space; a fresh clone then restores it instead of
 * training. Nothing it serves is trusted more than any remote's bytes: every object is re-hashed
 * and bounded by its recorded size, records and manifests pass the path rule. The server itself
 * is kept to its own origin: a redirect elsewhere is refused, not followed (a hijacked page must
 * not point a clone at another host), and a server that stops sending is given up on.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { StoreError, TRANSIENT_NET_CODES, type ListedObject, type RemoteStore } from './store.ts';

/** Redirects followed within the same origin (a server moving /a to /a/ and the like). */
const MAX_REDIRECTS = 5;
/** A response that sends nothing for this long is abandoned (and retried). */
const IDLE_MS = 30_000;

export class HttpStore implements RemoteStore {
  readonly listable = false;
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(
    readonly label: string,
    url: string,
  ) {
    this.base = new URL(url.endsWith('/') ? url : `${url}/`);
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  // eslint-disable-next-line require-yield
  async *list(): AsyncIterable<ListedObject> {
    throw new StoreError('a web server cannot be listed: an http(s) remote serves fetch, pull, status and run, not gc', false);
  }

  async head(key: string): Promise<number | undefined> {
    const res = await this.request('HEAD', key);
    if (!res) return undefined;
    res.resume();
    const length = Number(res.headers['content-length']);
    return Number.isFinite(length) ? length : undefined;
  }

  put(key: string, body?: Readable): Promise<void> {
    body?.destroy();
    return Promise.reject(new StoreError(`cannot write ${key}: an http(s) remote is read-only (push to the store it is published from)`, false));
  }

  async get(key: string): Promise<Readable | undefined> {
    return this.request('GET', key);
  }

  delete(key: string): Promise<void> {
    return this.put(key);
  }

  /** Nothing to check before the first request: a static site need not answer for its root. */
  probe(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.agent.destroy();
  }

  /** The response to `method key` (its body unread), undefined for 404/410; same-origin redirects followed. */
  private async request(method: 'GET' | 'HEAD', key: string): Promise<http.IncomingMessage | undefined> {
    let url = new URL(key, this.base);
    for (let hop = 0; ; hop++) {
      const res = await this.once(method, url, key);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      res.resume();
      if (status === 404 || status === 410) return undefined;
      if (status >= 300 && status < 400 && res.headers.location) {
        const next = new URL(res.headers.location, url);
        if (next.origin !== this.base.origin) throw new StoreError(`${key}: the server redirected to another host (${next.origin}); not followed`, false);
        if (hop >= MAX_REDIRECTS) throw new StoreError(`${key}: more than ${MAX_REDIRECTS} redirects`, false);
        url = next;
        continue;
      }
      throw new StoreError(`cannot read ${key}: HTTP ${status}`, status >= 500 || status === 429 || status === 408);
    }
  }

  private once(method: 'GET' | 'HEAD', url: URL, key: string): Promise<http.IncomingMessage> {
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, { method, agent: this.agent, headers: { 'accept-encoding': 'identity' } }, (res) => {
        // A body that stalls mid-way fails as a transient error, which the transfer retries.
        res.setTimeout(IDLE_MS, () => res.destroy(new StoreError(`reading ${key} stalled for ${IDLE_MS / 1000} s`, true)));
        resolve(res);
      });
      req.setTimeout(IDLE_MS, () => req.destroy(new StoreError(`${key}: no answer from ${url.origin} for ${IDLE_MS / 1000} s`, true)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof StoreError) reject(e);
        else if (e.code && TRANSIENT_NET_CODES.has(e.code)) reject(new StoreError(`cannot read ${key}: ${e.code} from ${url.origin}`, true));
        else reject(new StoreError(`cannot read ${key} from ${url.origin}: ${e.message}`, false));
      });
      req.end();
    });
  }
}
