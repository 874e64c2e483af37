/**
 * A log file per instance of every run, written beside the live view (which shows only the last
 * line of each): .pipeline/logs/<ID>.log holds the instance's latest run, <ID>.1.log and
 * <ID>.2.log the two runs before it. `pipeline logs ID` prints the latest; `pipeline ui` tails it.
 * Only instances that start (restored or run) get one: an up-to-date run writes nothing.
 * The logs are a convenience, as the event log is: a write that fails (a full disk) stops that
 * instance's log, said once through `notice`, never the run.
 */
import { createWriteStream, renameSync, mkdirSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandArgs, Io } from '../cli/command-kit.ts';
import { existingWorkspace, locate } from '../cli/commands/workspace.ts';
import { UserError } from '../errors.ts';
import { formatProgress, formatSeconds, type Reporter, type RunEvent } from '../events.ts';
import { isMissing } from '../fs/missing.ts';
import { stateDirs } from '../state/dirs.ts';

/** How many earlier runs of an instance keep their log. */
const KEPT_RUNS = 2;
const PROGRESS_EVERY_MS = 5000;

export function logsDir(root: string): string {
  return path.join(stateDirs(root).base, 'logs');
}

/** The latest run's log of instance `id` (`n` > 0: the n-th run before it). */
export function instanceLogFile(root: string, id: string, n = 0): string {
  const name = id.replace(/[^\w.@+-]/g, '_');
  return path.join(logsDir(root), n === 0 ? `${name}.log` : `${name}.${n}.log`);
}

export function instanceLogs(root: string, notice: (line: string) => void): Reporter {
  const open = new Map<string, { stream: WriteStream; lastProgress: number }>();
  const closing: Array<Promise<void>> = [];
  const begin = (id: string): WriteStream => {
    const stream = createWriteStream(instanceLogFile(root, id));
    stream.on('error', (err) => {
      // An unhandled stream error would end the whole run; the stage goes on without its log.
      if (open.get(id)?.stream === stream) open.delete(id);
      notice(`the log of ${id} stopped: ${path.relative(process.cwd(), instanceLogFile(root, id))} could not be written (${err.message})`);
    });
    return stream;
  };
  const write = (id: string, line: string): void => void open.get(id)?.stream.write(`${line}\n`);
  const stamp = (): string => new Date().toISOString();
  return {
    event(e: RunEvent) {
      switch (e.type) {
        case 'start': {
          mkdirSync(logsDir(root), { recursive: true });
          for (let n = KEPT_RUNS; n > 0; n--) {
            try {
              renameSync(instanceLogFile(root, e.id, n - 1), instanceLogFile(root, e.id, n));
            } catch (err) {
              if (!isMissing(err)) throw err;
            }
          }
          open.set(e.id, { stream: begin(e.id), lastProgress: 0 });
          write(e.id, `${stamp()} ${e.id}: stale (${e.reasons.join('; ')})`);
          break;
        }
        case 'restoring':
          write(e.id, 'restoring the outputs from the run-cache');
          break;
        case 'worker':
          write(e.id, `running on worker ${e.worker}`);
          break;
        case 'log':
          write(e.id, e.line);
          break;
        case 'progress': {
          const o = open.get(e.id);
          if (!o || Date.now() - o.lastProgress < PROGRESS_EVERY_MS) break;
          o.lastProgress = Date.now();
          write(e.id, formatProgress(e.update));
          break;
        }
        case 'done': {
          const o = open.get(e.id);
          if (!o) break;
          const how = e.outcome === 'failed' || e.outcome === 'skipped' ? `${e.outcome}: ${e.error ?? ''}` : e.outcome;
          write(e.id, `${stamp()} ${how} after ${formatSeconds(e.seconds)}${e.worker ? ` on worker ${e.worker}` : ''}`);
          open.delete(e.id);
          closing.push(new Promise((resolve) => o.stream.end(resolve)));
          break;
        }
        default:
          break;
      }
    },
    close: async () => {
      for (const o of open.values()) closing.push(new Promise((resolve) => o.stream.end(resolve)));
      open.clear();
      await Promise.all(closing);
    },
  };
}

/** Events to several reporters, in order. */
export function teeReporter(...reporters: Reporter[]): Reporter {
  return {
    event: (e) => reporters.forEach((r) => r.event(e)),
    close: async () => {
      for (const r of reporters) await r.close();
    },
  };
}

/** `pipeline logs INSTANCE` (with --profile, or inside profiles/NAME/: that workspace's). */
export async function logsCommand(args: CommandArgs, io: Io): Promise<number> {
  const root = await existingWorkspace(await locate(args.cwd, args.values.profile));
  return printLog(root, args.positionals, io.out);
}

/** The log of an instance's latest run, as written. */
export async function printLog(root: string, targets: string[], out: (text: string) => void): Promise<number> {
  if (targets.length !== 1) throw new UserError([{ field: 'logs', message: 'name one instance, e.g. `pipeline logs train@vgg-bn`' }]);
  const id = targets[0]!;
  try {
    out(await readFile(instanceLogFile(root, id), 'utf8'));
    return 0;
  } catch (e) {
    if (!isMissing(e)) throw e;
    throw new UserError([
      { field: 'logs', message: `no log of "${id}" in ${path.relative(root, logsDir(root)) || '.'}/: it has not run here since logs were kept` },
    ]);
  }
}
