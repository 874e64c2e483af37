/** `pipeline gc`: empty the local run-cache (or, with --remote, the remote) of what nothing needs. */
import { RunCache } from '../../state/cache.ts';
import type { CommandArgs, Io } from '../command-kit.ts';
import { UserError } from '../../errors.ts';
import { Lock } from '../../state/lock.ts';
import { profileLocks } from '../../workspace/profile-root.ts';
import { acquireRunLock } from '../../state/run-lock.ts';
import { stateDirs } from '../../state/dirs.ts';
import { openProject } from './workspace.ts';

export async function gcCommand(args: CommandArgs, io: Io): Promise<number> {
  // gc serves every workspace that shares the run-cache, so it starts from the project's.
  const project = await openProject(args, io, { sharedRoot: true });
  if (args.values.remote) return (await import('./transfer.ts')).remoteVerb('gc', project, args, io);
  const { plan } = project;
  const keepDaysArg = args.values['keep-days'];
  const dryRun = args.values['dry-run'];
  const keepDays = keepDaysArg === undefined ? 30 : Number(keepDaysArg);
  if (!Number.isFinite(keepDays) || keepDays < 0) {
    throw new UserError([{ field: '--keep-days', message: `must be a number of days >= 0, got "${keepDaysArg}"` }]);
  }
  const runLock = await acquireRunLock(stateDirs(plan.root).runLock); // a run storing objects now would lose them
  try {
    const lock = await Lock.open(plan.root);
    if (lock.problems.length > 0) {
      // Without every recorded fingerprint gc could delete what the last run needs to restore.
      throw new UserError([
        { field: 'pipeline.lock', message: `gc refused: ${lock.problems.map((p) => p.message).join('; ')} (run \`pipeline run\` to rewrite it)` },
      ]);
    }
    const keep = new Set(lock.ids().map((id) => lock.get(id)!.fingerprint));
    // Profiles share the run-cache: what their locks record is kept too.
    for (const profileLock of await profileLocks(plan.root)) {
      if (profileLock.problems.length > 0) {
        throw new UserError([
          { field: 'pipeline.lock', message: `gc refused: a profile's lock is damaged: ${profileLock.problems.map((p) => p.message).join('; ')}` },
        ]);
      }
      for (const id of profileLock.ids()) keep.add(profileLock.get(id)!.fingerprint);
    }
    const r = await new RunCache(plan.cacheDir).gc({ keep, keepDays, dryRun });
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
    const verb = dryRun ? 'would remove' : 'removed';
    io.out(
      `gc: ${verb} ${r.records.removed} run records, ${r.objects.removed} objects (${mib(r.objects.removedBytes)}), ` +
        `${r.partial.removed} partial files (${mib(r.partial.removedBytes)}); ` +
        `kept ${r.records.kept} run records, ${r.objects.kept} objects (${mib(r.objects.keptBytes)})\n`,
    );
    return 0;
  } finally {
    await runLock.release();
  }
}
