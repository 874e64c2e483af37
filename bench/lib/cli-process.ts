/**
 * The `pipeline` CLI as a long-lived process (a worker, a coordinator run a caller watches), in
 * its own process group so that it can be killed with everything it started, as a machine dies.
 * Shared by the queue tests and bench/queue.ts.
 */
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';

export const PIPELINE_CLI = fileURLToPath(new URL('../../bin/pipeline.js', import.meta.url));

export interface CliProcess {
  proc: ResultPromise;
  /** Everything it printed so far (stdout and stderr, interleaved). */
  output(): string;
}

/** `cores`: pinned to these (taskset), as a machine with only them would be; its stages inherit it. */
export function startCli(root: string, args: string[], env: Record<string, string> = {}, cores?: number[]): CliProcess {
  const command = [process.execPath, PIPELINE_CLI, ...args];
  const [file, ...rest] = cores ? ['taskset', '-c', cores.join(','), ...command] : command;
  const proc = execa(file!, rest, { cwd: root, reject: false, detached: true, env: { CI: '1', ...env }, all: true, buffer: false });
  let out = '';
  proc.all!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out };
}

/** `pipeline worker --name NAME`, once it waits for jobs. */
export async function startWorker(root: string, name: string, env: Record<string, string> = {}, args: string[] = [], cores?: number[]): Promise<CliProcess> {
  const w = startCli(root, ['worker', '--name', name, ...args], env, cores);
  await waitUntilWaiting(w, name);
  return w;
}

/** Resolves once a started worker waits for jobs; throws with its output when it exits instead. */
export async function waitUntilWaiting(w: CliProcess, name: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!w.output().includes('waiting for jobs')) {
    if (w.proc.exitCode !== null || Date.now() > end) throw new Error(`worker ${name} did not start:\n${w.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGKILL to the process and all it started; false when it was gone already. */
export function killTree(pid: number): boolean {
  try {
    process.kill(-pid, 'SIGKILL');
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}
