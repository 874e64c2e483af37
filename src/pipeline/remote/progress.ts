/**
 * The progress of a transfer (files, bytes, rate, ETA): a live listr2 line on a terminal, a plain
 * line every few seconds in CI and pipes, nothing in tests that ask for quiet.
 */
import { formatBytes, formatSeconds } from '../events.ts';

export type ProgressMode = 'listr' | 'plain' | 'silent';

export function progressMode(quiet: boolean): ProgressMode {
  return quiet ? 'silent' : process.stdout.isTTY && !process.env.CI ? 'listr' : 'plain';
}

const PLAIN_EVERY_MS = 5000;

export class TransferProgress {
  files = 0;
  bytes = 0;
  private totalFiles = 0;
  private totalBytes = 0;
  private readonly started = performance.now();
  private lastPlain = performance.now();
  private finishListr: (() => void) | undefined;
  private listrDone: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly title: string,
    private readonly mode: ProgressMode,
    private readonly write: (line: string) => void,
  ) {}

  /** Starts showing; `files` and `bytes` are what is about to be transferred. */
  async start(files: number, bytes: number): Promise<void> {
    this.totalFiles = files;
    this.totalBytes = bytes;
    if (this.mode === 'listr' && files > 0) {
      const { Listr } = await import('listr2'); // loaded only where a terminal shows it
      const list = new Listr([
        {
          title: this.title,
          task: (_ctx, task) =>
            new Promise<void>((resolve) => {
              this.timer = setInterval(() => (task.output = this.line()), 200);
              this.finishListr = () => {
                task.title = `${this.title}: ${this.line()}`;
                resolve();
              };
            }),
        },
      ]);
      this.listrDone = list.run().catch(() => undefined);
    }
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.maybePlain();
  }

  fileDone(): void {
    this.files++;
    this.maybePlain();
  }

  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  line(): string {
    const s = this.seconds();
    const rate = s > 0 ? this.bytes / s : 0;
    const left = rate > 0 ? (this.totalBytes - this.bytes) / rate : undefined;
    const eta = left !== undefined && this.files < this.totalFiles ? `, ETA ${formatSeconds(Math.max(0, left))}` : '';
    return `${this.files}/${this.totalFiles} files, ${formatBytes(this.bytes)}/${formatBytes(this.totalBytes)}, ${formatBytes(Math.round(rate))}/s${eta}`;
  }

  private maybePlain(): void {
    if (this.mode !== 'plain' || performance.now() - this.lastPlain < PLAIN_EVERY_MS) return;
    this.lastPlain = performance.now();
    this.write(`${this.title}: ${this.line()}`);
  }

  async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.finishListr?.();
    await this.listrDone;
  }
}
