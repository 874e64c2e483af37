/**
 * Submissions in the local scheduler's order: longest expected first (a never-timed instance
 * counts as longest). SLURM starts jobs of equal priority in submission order, so instances that
 * become ready together (every train@* once grid is done) are gathered for a moment, sorted and
 * submitted one after another: the long ones take the free nodes first, as locally they take the
 * free slots, and one sbatch at a time spares the controller.
 */

/** How long to gather instances that became ready together before the first submission. */
const GATHER_MS = 50;

interface Pending {
  expected: number;
  order: number;
  go: () => void;
}

export class SubmitOrder {
  private readonly pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  /** Runs `submit` in its turn (`order`, the plan's, breaks ties); resolves with what it returns. */
  async submit<T>(expectedSeconds: number | undefined, order: number, submit: () => Promise<T>): Promise<T> {
    await new Promise<void>((go) => {
      this.pending.push({ expected: expectedSeconds ?? Number.MAX_VALUE, order, go });
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.next(), GATHER_MS);
    });
    try {
      return await submit();
    } finally {
      this.busy = false;
      this.next();
    }
  }

  private next(): void {
    if (this.busy || this.pending.length === 0) return;
    this.pending.sort((a, b) => b.expected - a.expected || a.order - b.order);
    this.busy = true;
    this.pending.shift()!.go();
  }
}
