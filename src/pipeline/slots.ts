/**
 * At most `jobs` instances at once. Each running instance holds a slot, and with it a fixed share
 * of the cores (pinned with taskset), so parallel training runs do not fight over the same core.
 */
export interface Slot {
  threads: number;
  /** Cores to pin to, or undefined when the machine has fewer cores than slots. */
  cores: number[] | undefined;
  release(): void;
}

export class Slots {
  private readonly free: number[];
  private readonly waiting: Array<(slot: number) => void> = [];
  private readonly threads: number;

  constructor(private readonly jobs: number, private readonly cores: number) {
    this.free = Array.from({ length: jobs }, (_, i) => i);
    this.threads = Math.max(1, Math.floor(cores / jobs));
  }

  async acquire(): Promise<Slot> {
    const index = this.free.shift() ?? (await new Promise<number>((resolve) => this.waiting.push(resolve)));
    const pin = this.jobs > 1 && this.jobs <= this.cores;
    return {
      threads: this.threads,
      cores: pin ? Array.from({ length: this.threads }, (_, k) => index * this.threads + k) : undefined,
      release: () => {
        const next = this.waiting.shift();
        if (next) next(index);
        else this.free.push(index);
      },
    };
  }
}
