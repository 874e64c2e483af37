/** What the executor tells reporters. Only reporters print. */
import type { ProgressUpdate } from './stage.ts';

export type Outcome = 'fresh' | 'restored' | 'ran' | 'failed' | 'skipped';

export type RunEvent =
  /** `jobs`: how many run at once here (the live view's ETA spreads the work over them). */
  | { type: 'planned'; instances: Array<{ id: string; description: string }>; jobs?: number }
  /** Stale, waiting for a free slot; `expectedSeconds`: its estimate (undefined: never timed). */
  | { type: 'queued'; id: string; reasons: string[]; expectedSeconds?: number }
  | { type: 'start'; id: string; reasons: string[] }
  | { type: 'restoring'; id: string }
  | { type: 'progress'; id: string; update: ProgressUpdate }
  | { type: 'log'; id: string; line: string }
  /** The queue worker now running it (again when another worker takes over from one that died). */
  | { type: 'worker'; id: string; worker: string }
  | { type: 'done'; id: string; outcome: Outcome; seconds: number; error?: string; worker?: string }
  /** Something the user should know that belongs to no instance (a run lock taken over). */
  | { type: 'notice'; line: string }
  /** The run is over: what the summary says. Outcome counts in the order they first occurred. */
  | {
      type: 'finished';
      counts: Record<string, number>;
      departed: Array<{ id: string; removed: string[]; kept: string[] }>;
      /** A profile's workspace, relative to the project ('' for the project's own). */
      workspace: string;
      failures: Array<{ id: string; message: string }>;
      /** Stopped by Ctrl-C: what did not finish is skipped. */
      interrupted?: boolean;
    };

export interface Reporter {
  event(e: RunEvent): void;
  /** Called once after the last event; resolves when output is flushed. */
  close(): Promise<void>;
}

export const silentReporter: Reporter = { event() {}, close: async () => {} };

export function formatProgress(u: ProgressUpdate): string {
  const parts: string[] = [];
  if (u.step) parts.push(u.step);
  if (u.current !== undefined) {
    const fmt = u.unit === 'bytes' ? formatBytes : (n: number) => String(n);
    parts.push(u.total !== undefined ? `${fmt(u.current)}/${fmt(u.total)}${u.unit && u.unit !== 'bytes' ? ` ${u.unit}` : ''}` : fmt(u.current));
    if (u.total) parts.push(`${Math.floor((100 * u.current) / u.total)}%`);
  }
  if (u.message) parts.push(u.message);
  return parts.join(' ');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
