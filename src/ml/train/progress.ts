/**
 * Turns per-batch facts into the progress line of a train@<id> task: epoch, batch, images/s, the
 * epoch's running loss and an ETA for the whole run. Throttled, because a progress update crosses
 * a process boundary and the terminal redraws on each.
 */
import type { ProgressUpdate } from '../../stage-api.ts';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface MeterOptions {
  epochs: number;
  batchesPerEpoch: number;
  imagesPerEpoch: number;
  emit: (u: ProgressUpdate) => void;
  now?: () => number;
  /** Minimum milliseconds between updates (the last batch of an epoch always reports). */
  intervalMs?: number;
}

export class ProgressMeter {
  private readonly now: () => number;
  private readonly interval: number;
  private epochStart = 0;
  private lastEmit = -Infinity;
  private lossSum = 0;
  private images = 0;
  private epoch = 0;

  constructor(private readonly options: MeterOptions) {
    this.now = options.now ?? (() => performance.now());
    this.interval = options.intervalMs ?? 250;
  }

  /** epoch is 1-based. */
  startEpoch(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = this.now();
    this.lossSum = 0;
    this.images = 0;
  }

  /** batch is 1-based; loss is the batch's mean loss. */
  batch(batch: number, size: number, loss: number): void {
    this.lossSum += loss * size;
    this.images += size;
    const t = this.now();
    if (batch < this.options.batchesPerEpoch && t - this.lastEmit < this.interval) return;
    this.lastEmit = t;
    const seconds = (t - this.epochStart) / 1000;
    const rate = seconds > 0 ? this.images / seconds : 0;
    const left = (this.options.epochs - this.epoch) * this.options.imagesPerEpoch + (this.options.imagesPerEpoch - this.images);
    const eta = rate > 0 ? formatDuration(left / rate) : '?';
    this.options.emit({
      step: `epoch ${this.epoch}/${this.options.epochs}`,
      current: batch,
      total: this.options.batchesPerEpoch,
      unit: 'batches',
      message: `${Math.round(rate)} img/s loss ${(this.lossSum / this.images).toFixed(3)} ETA ${eta}`,
    });
  }
}
