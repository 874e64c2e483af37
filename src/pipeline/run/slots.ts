/**
 * At most `jobs` instances at once. Each running instance holds a slot, and with it a fixed share
 * of the cores (pinned with taskset), so parallel training runs do not fight over the same core.
 *
 * When several instances wait, the longest goes first (by the wall time its previous run recorded;
 * never-timed ones count as longest, in plan order). Started in plan order, a 90-minute instance
 * queued behind twelve 40-minute ones would run alone at the end with the other cores idle; longest
 * first packs the same work into less wall time.
 */
export interface Slot {
  threads: number;
  /** Cores to pin to, or undefined when the machine has fewer cores than slots. */
  cores: number[] | undefined;
  release(): void;
}

interface Waiter {
  expectedSeconds: number;
  order: number;
  grant: (slot: number) => void;
}

export class Slots {
  private readonly free: number[];
  private readonly waiting: Waiter[] = [];
  private readonly threads: number;
  private arrivals = 0;
  private dispatchQueued = false;

  constructor(
    private readonly jobs: number,
    private readonly cores: number,
  ) {
    this.free = Array.from({ length: jobs }, (_, i) => i);
    this.threads = Math.max(1, Math.floor(cores / jobs));
  }

  /**
   * `expectedSeconds`: how long the instance is expected to hold the slot; undefined = unknown.
   * `order`: the tie-break (its place in the plan); by default, the order of arrival.
   */
  async acquire(expectedSeconds?: number, order?: number): Promise<Slot> {
    const arrival = this.arrivals++;
    const index = await new Promise<number>((grant) => {
      this.waiting.push({ expectedSeconds: expectedSeconds ?? Number.MAX_VALUE, order: order ?? arrival, grant });
      this.queueDispatch();
    });
    const pin = this.jobs > 1 && this.jobs <= this.cores;
    return {
      threads: this.threads,
      cores: pin ? Array.from({ length: this.threads }, (_, k) => index * this.threads + k) : undefined,
      release: () => {
        this.free.push(index);
        this.queueDispatch();
      },
    };
  }

  /**
   * Grants free slots on the next turn of the event loop, not at once: instances that became ready
   * together (every train@* when grid finishes) all queue before any is chosen.
   */
  private queueDispatch(): void {
    if (this.dispatchQueued) return;
    this.dispatchQueued = true;
    setImmediate(() => {
      this.dispatchQueued = false;
      this.waiting.sort((a, b) => b.expectedSeconds - a.expectedSeconds || a.order - b.order);
      this.free.sort((a, b) => a - b);
      while (this.free.length > 0 && this.waiting.length > 0) this.waiting.shift()!.grant(this.free.shift()!);
    });
  }
}
