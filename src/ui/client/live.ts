/**
 * The run as the page knows it: the records of the run event log, received over Server-Sent
 * Events, folded into one state per instance. EventSource reconnects by itself and sends
 * Last-Event-ID, so the server resends only what was missed.
 */
import type { EventRecord } from '../../pipeline/event-log/format.ts';

export type LiveStateName = 'queued' | 'running' | 'restoring' | 'ran' | 'restored' | 'fresh' | 'failed' | 'skipped';

export interface LiveInstance {
  state: LiveStateName;
  started?: number;
  progress?: Extract<EventRecord, { type: 'progress' }>['update'];
  epochs: Array<Extract<EventRecord, { type: 'epoch' }>>;
  error?: string;
  log: string[];
}

export interface LiveRun {
  run: string;
  pid: number;
  started: number;
  finished: boolean;
  instances: Map<string, LiveInstance>;
}

type Listener = (kind: 'record' | 'changed', record?: EventRecord) => void;

const LOG_LINES = 200;

class Live {
  run: LiveRun | undefined;
  private readonly listeners = new Set<Listener>();
  private source: EventSource | undefined;

  connect(): void {
    if (this.source) return;
    this.source = new EventSource('/api/events');
    this.source.addEventListener('record', (e) => {
      const r = JSON.parse((e as MessageEvent<string>).data) as EventRecord;
      this.apply(r);
      for (const l of this.listeners) l('record', r);
    });
    this.source.addEventListener('changed', () => {
      for (const l of this.listeners) l('changed');
    });
  }

  on(l: Listener): void {
    this.listeners.add(l);
  }

  private instance(id: string): LiveInstance {
    const run = this.run!;
    let i = run.instances.get(id);
    if (!i) run.instances.set(id, (i = { state: 'queued', epochs: [], log: [] }));
    return i;
  }

  private apply(r: EventRecord): void {
    if (r.type === 'run') {
      this.run = { run: r.run, pid: r.pid, started: r.t, finished: false, instances: new Map() };
      return;
    }
    if (!this.run) return;
    switch (r.type) {
      case 'queued':
        this.instance(r.id).state = 'queued';
        break;
      case 'start': {
        const i = this.instance(r.id);
        i.state = 'running';
        i.started = r.t;
        i.epochs = [];
        break;
      }
      case 'restoring':
        this.instance(r.id).state = 'restoring';
        break;
      case 'progress':
        this.instance(r.id).progress = r.update;
        break;
      case 'log': {
        const i = this.instance(r.id);
        i.log.push(r.line);
        if (i.log.length > LOG_LINES) i.log.shift();
        break;
      }
      case 'epoch':
        this.instance(r.id).epochs.push(r);
        break;
      case 'done': {
        const i = this.instance(r.id);
        i.state = r.outcome;
        i.error = r.error;
        i.progress = undefined;
        break;
      }
      case 'finished':
        this.run.finished = true;
        break;
      case 'planned':
      case 'worker':
      case 'notice':
        break;
    }
  }
}

export const live = new Live();
