/**
 * Live updates as Server-Sent Events. Every record of the followed run goes out as a `record`
 * event whose id is "<run>:<seq>", so a browser that reconnects (EventSource does by itself, with
 * Last-Event-ID) gets exactly what it missed. A new connection first gets every record of the
 * current run: the page builds the run's state from them. `changed` says that recorded results
 * moved (the lock or a metrics file): the page refetches what it shows, keeping its selection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RunFollower } from '../pipeline/event-log/follow.ts';
import type { EventRecord } from '../pipeline/event-log/format.ts';

const POLL_MS = 250;
const KEEPALIVE_MS = 15_000;

export class LiveHub {
  private readonly follower: RunFollower;
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private polling = false;
  private stamp: string | undefined;

  /**
   * `stamp`: a cheap fingerprint of the recorded results (stats); `onChange` runs when it moves or
   * an instance finishes, before clients hear of it.
   */
  constructor(
    root: string,
    private readonly stampOf: () => Promise<string>,
    private readonly onChange: () => void,
  ) {
    this.follower = new RunFollower(root);
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), POLL_MS);
    this.keepalive = setInterval(() => this.broadcast(': keepalive\n\n'), KEEPALIVE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.keepalive);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  get run() {
    return this.follower.run;
  }

  /** GET /api/events */
  connect(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const run = this.follower.run;
    if (run) {
      const last = String(req.headers['last-event-id'] ?? '');
      const [lastRun, lastSeq] = last.split(':');
      const after = lastRun === run.run ? Number(lastSeq) : -1;
      for (const r of run.records) if (r.seq > after) res.write(frame(run.run, r));
    }
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  private async tick(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { records } = await this.follower.poll();
      const run = this.follower.run;
      if (run) for (const r of records) this.broadcast(frame(run.run, r));
      const stamp = await this.stampOf();
      const finished = records.some((r) => r.type === 'done' || r.type === 'finished');
      if ((this.stamp !== undefined && stamp !== this.stamp) || finished) {
        this.onChange();
        this.broadcast(`event: changed\ndata: {}\n\n`);
      }
      this.stamp = stamp;
    } catch (e) {
      process.stderr.write(`pipeline ui: following the run failed: ${(e as Error).message}\n`);
    } finally {
      this.polling = false;
    }
  }

  private broadcast(text: string): void {
    for (const c of this.clients) c.write(text);
  }
}

function frame(run: string, r: EventRecord): string {
  return `event: record\nid: ${run}:${r.seq}\ndata: ${JSON.stringify(r)}\n\n`;
}
