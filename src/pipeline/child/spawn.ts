/** Runs one stage instance in its own Node process (execa, IPC), optionally pinned to cores. */
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { decodeFailure } from '../failure.ts';
import type { ChildJob, ChildMessage } from './protocol.ts';
import type { Measurements, ProgressUpdate } from '../stage.ts';

// Bundled (dist/cli.cjs next to dist/child.mjs), the child entry is plain JS and loads tsx only
// for the stage module; from source (tests under tsx), it is entry.ts under tsx's loader, resolved
// here rather than from the project's cwd so that any project directory can run stages.
const BUNDLED = /\.[cm]js$/.test(import.meta.url);
const CHILD_ENTRY = fileURLToPath(new URL(BUNDLED ? './child.mjs' : './entry.ts', import.meta.url));
const NODE_ARGS = BUNDLED ? [CHILD_ENTRY] : ['--import', import.meta.resolve('tsx'), CHILD_ENTRY];
/** How long a stage may take to stop after an abort message before it is killed. */
const KILL_GRACE_MS = 2000;

export interface ChildHandlers {
  progress(update: ProgressUpdate): void;
  log(line: string): void;
}

export interface ChildResult {
  peakRssMb: number;
  /** What the stage measured of its run (ctx.measure). */
  measurements: Measurements;
}

/** Resolves when the stage succeeded; rejects with UserError (the stage's own) or Error. */
export async function runInChild(job: ChildJob, handlers: ChildHandlers, signal: AbortSignal, cores: number[] | undefined): Promise<ChildResult> {
  const nodeArgs = NODE_ARGS;
  const [file, args] = cores && cores.length > 0 ? ['taskset', ['-c', cores.join(','), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  // Loaded on first use: status and dag never spawn, and execa costs start-up time.
  const { execa } = await import('execa');
  const child = execa(file, args, {
    ipc: true,
    cwd: job.root,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    cleanup: true,
    env: { PIPELINE_THREADS: String(job.threads) },
  });
  const tail: string[] = [];
  const lines = (stream: NodeJS.ReadableStream | null): void => {
    if (!stream) return;
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      handlers.log(line);
    });
  };
  lines(child.stdout);
  lines(child.stderr);

  let result: Extract<ChildMessage, { type: 'done' | 'failed' }> | undefined;
  const onAbort = (): void => {
    // A child already gone (Ctrl-C on a terminal reaches the whole process group) cannot be told:
    // execa throws at once then, rather than rejecting.
    try {
      void child.sendMessage({ type: 'abort' }).catch(() => {});
    } catch {
      // nothing left to stop
    }
    setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    await child.sendMessage(job as never);
    for await (const raw of child.getEachMessage()) {
      const m = raw as unknown as ChildMessage;
      if (m.type === 'progress') handlers.progress(m.update);
      else if (m.type === 'log') handlers.log(m.line);
      else {
        result = m;
        break;
      }
    }
    const exit = await child;
    if (!result) {
      const why = signal.aborted ? 'interrupted' : exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.exitCode} before reporting a result`;
      throw new Error(`stage process ${why}${tail.length ? `; last output:\n${tail.join('\n')}` : ''}`);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (result.type === 'failed') throw decodeFailure(result.failure, 'the stage process');
  return { peakRssMb: result.peakRssKb / 1024, measurements: result.measurements };
}
