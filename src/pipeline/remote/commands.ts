/**
 * The CLI's remote commands (push, fetch, pull, status --remote) and the remote run-cache that
 * `pipeline run` consults. The handlers in cli/commands/ parse nothing themselves and call these.
 */
import type { Io } from '../cli/command-kit.ts';
import { formatProblem, UserError, type Problem } from '../errors.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import { Lock } from '../state/lock.ts';
import type { Plan } from '../plan/plan.ts';
import { acquireRunLock } from '../state/run-lock.ts';
import { stateDirs } from '../state/dirs.ts';
import { chooseRemote, loadRemoteConfig } from './config.ts';
import { fetchInto, placeFetched } from './fetch.ts';
import { gcRemote, renderRemoteGc } from './gc.ts';
import { openStore, userFacing } from './open.ts';
import { progressMode } from './progress.ts';
import { push } from './push.ts';
import { remoteStatus, renderRemoteStatus } from './status.ts';
import { withRetry } from './store.ts';
import type { TransferOptions } from './transfer.ts';

export interface RemoteArgs {
  /**
   * The project root, whose pipeline.yaml and .pipeline/config.yaml name the remotes: under
   * --profile the plan's root is the profile's workspace, which has no config of its own.
   */
  configRoot: string;
  /** -r NAME; else $PIPELINE_REMOTE, else the default remote. */
  remoteName: string | undefined;
  jobs: string | undefined;
  verify: boolean;
  quiet: boolean;
  json: boolean;
  keepDays: string | undefined;
  dryRun: boolean;
}

/** Transfers are network-bound, not CPU-bound: more in flight than there are cores. */
const DEFAULT_TRANSFER_JOBS = 8;

export async function transferCommand(
  command: 'push' | 'fetch' | 'pull' | 'status' | 'gc',
  plan: Plan,
  hasher: Hasher,
  selected: Set<string> | undefined,
  args: RemoteArgs,
  io: Io,
): Promise<number> {
  const keepDays = command === 'gc' ? parseKeepDays(args.keepDays) : 0;
  const remote = chooseRemote(args.configRoot, await loadRemoteConfig(args.configRoot), args.remoteName, true)!;
  const store = await openStore(remote);
  const opts: TransferOptions = {
    jobs: parseTransferJobs(args.jobs),
    progress: progressMode(args.quiet),
    print: (line) => io.out(`${line}\n`),
    warn: (line) => io.err(`${line}\n`),
  };
  return userFacing(store, async () => {
    await withRetry(() => store.probe());
    const lock = await Lock.open(plan.root);
    for (const p of lock.problems) opts.warn(`pipeline: ${p.message}`);
    // An entry refused for an unsafe path was not fetched or placed: the command did not do its job.
    const refused = lock.problems.some((p) => p.unsafePath) ? 2 : 0;
    switch (command) {
      case 'push':
        return report((await push(plan, lock, hasher, store, selected, { ...opts, verify: args.verify })).problems, opts);
      case 'status': {
        const rows = await remoteStatus(plan, lock, hasher, store, selected, opts.jobs);
        io.out(args.json ? `${JSON.stringify({ remote: remote.name, instances: rows }, null, 2)}\n` : renderRemoteStatus(rows, store.label));
        return 0;
      }
      case 'gc': {
        if (lock.problems.length > 0) {
          throw new UserError([
            { field: 'pipeline.lock', message: `gc refused: ${lock.problems.map((p) => p.message).join('; ')} (run \`pipeline run\` to rewrite it)` },
          ]);
        }
        const r = await gcRemote(lock, store, { keepDays, dryRun: args.dryRun, jobs: opts.jobs });
        opts.print(renderRemoteGc(r, store.label, args.dryRun));
        return 0;
      }
      case 'fetch': {
        const fetched = await fetchInto(plan, lock, store, selected, opts);
        return Math.max(report(fetched.problems, opts), refused);
      }
      case 'pull': {
        // Placing outputs while a run replaces them would mix two states; the run lock orders them.
        const runLock = await acquireRunLock(stateDirs(plan.root).runLock);
        try {
          const fetched = await fetchInto(plan, lock, store, selected, opts);
          const placing = await placeFetched(plan, hasher, fetched.value, opts.print);
          return Math.max(report([...fetched.problems, ...placing.problems], opts), refused);
        } finally {
          await runLock.release();
        }
      }
    }
  });
}

/** Problems with single objects are listed, the rest still done; the exit code says it was incomplete. */
function report(problems: Problem[], opts: TransferOptions): number {
  for (const p of problems) opts.warn(formatProblem(p));
  return problems.length > 0 ? 2 : 0;
}

/** Required with --remote: the remote serves other clones whose locks this one cannot see. */
function parseKeepDays(value: string | undefined): number {
  if (value === undefined)
    throw new UserError([
      {
        field: '--keep-days',
        message: 'gc --remote needs --keep-days N: other clones may need what this lock does not, and only what nobody pushed for N days can go',
      },
    ]);
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UserError([{ field: '--keep-days', message: `must be a number of days >= 0, got "${value}"` }]);
  return n;
}

function parseTransferJobs(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TRANSFER_JOBS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UserError([{ field: '--jobs', message: `must be an integer from 1 to 256, got "${value}"` }]);
  return n;
}
