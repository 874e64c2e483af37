/** `pipeline run`: the stale instances of the selection, run or restored, and the lock written. */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { lineOf, type CommandArgs, type Io } from '../command-kit.ts';
import { UserError } from '../../errors.ts';
import type { Reporter } from '../../events.ts';
import { workspaceEstimates } from '../../plan/estimate.ts';
import { execute } from '../../run/execution.ts';
import { Lock } from '../../state/lock.ts';
import { chooseExecutor } from '../../executors/choose.ts';
import { chooseRemote, loadRemoteConfig } from '../../remote/config.ts';
import type { RemoteRunLookup } from '../../remote/run-cache.ts';
import { plainReporter } from '../../reporters/plain.ts';
import { quietReporter } from '../../reporters/quiet.ts';
import { eventLogReporter, withEventLog } from '../../event-log/writer.ts';
import { acquireRunLock } from '../../state/run-lock.ts';
import { stateDirs } from '../../state/dirs.ts';
import type { StageExecutor } from '../../executors/executor.ts';
import { instanceLogs, teeReporter } from '../../reporters/instance-logs.ts';
import { trackedOutProblems } from '../../workspace/tracked-outs.ts';
import { printStatus } from './status.ts';
import { openProject } from './workspace.ts';

export async function runCommand(args: CommandArgs, io: Io): Promise<number> {
  const { values } = args;
  const project = await openProject(args, io);
  const { plan, hasher, projectRoot, root } = project;
  const jobs = parseJobs(values.jobs);
  if (values['dry-run']) return printStatus(plan, hasher, project.selected, { json: false, dryRun: true, exitCode: false, jobs, projectRoot }, io);
  const shown: Reporter = values.quiet
    ? quietReporter()
    : process.stdout.isTTY && !process.env.CI
      ? (await import('../../reporters/listr.ts')).listrReporter()
      : plainReporter(lineOf(io.out));
  // Followers (`pipeline ui`) read the run from .pipeline/runs/ (docs/ui.md, "The run event log");
  // every instance's output also goes to .pipeline/logs/ (`pipeline logs ID`).
  const notice = (line: string): void => reporter.event({ type: 'notice', line });
  const reporter: Reporter = withEventLog(teeReporter(shown, instanceLogs(plan.root, notice)), eventLogReporter(plan.root, process.argv.slice(2)));
  const remote = await runLookup(projectRoot, plan.cacheDir, values['remote-name'], values['no-remote']);
  const runLock = await acquireRunLock(stateDirs(plan.root).runLock, notice);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      // Straight away: the user pressed the key and must see the answer now.
      io.err('\npipeline: interrupted; stopping running stages (press Ctrl-C again to force)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let executor: StageExecutor | undefined;
  try {
    executor = await chooseExecutor(projectRoot, plan, hasher, values, project.profile);
    if (runLock.tookOverFrom) {
      notice(`took over the run lock of pid ${runLock.tookOverFrom.pid} (started ${runLock.tookOverFrom.started_at}), which is no longer running`);
    }
    const lock = await Lock.open(plan.root);
    for (const p of lock.problems) notice(p.message);
    const tracked = await trackedOutProblems(plan, lock);
    if (tracked.length > 0) throw new UserError(tracked);
    const estimates = await workspaceEstimates(projectRoot, plan.root, lock);
    const { selected } = project;
    const result = await execute(plan, lock, hasher, { selected, estimates, force: values.force, jobs, reporter, signal: controller.signal, remote, executor });
    const counts: Record<string, number> = {};
    for (const o of result.outcomes.values()) counts[o] = (counts[o] ?? 0) + 1;
    reporter.event({
      type: 'finished',
      counts,
      departed: result.departed,
      workspace: path.relative(projectRoot, root),
      failures: result.failures,
      interrupted: controller.signal.aborted,
    });
    await reporter.close();
    if (controller.signal.aborted) return 130;
    if (result.failures.length === 0) return 0;
    return result.failures.some((f) => f.userError) ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    remote?.close();
    await executor?.close();
    await runLock.release();
  }
}

export function parseJobs(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError([{ field: '--jobs', message: `must be a positive integer, got "${value}"` }]);
  return n;
}

/** The remote run-cache for `pipeline run`, when a remote is configured and not opted out of. */
async function runLookup(
  root: string,
  cacheDir: string,
  remoteName: string | undefined,
  noRemote: boolean,
): Promise<(RemoteRunLookup & { close(): void }) | undefined> {
  if (noRemote) return undefined;
  const remote = chooseRemote(root, await loadRemoteConfig(root), remoteName, false);
  if (!remote) return undefined;
  // Loaded only when there is a remote: a run without one loads none of the stores' code (node's
  // http, https and tls among it), about 12 ms of an up-to-date run.
  const [{ remoteRunLookup }, { openStore }] = await Promise.all([import('../../remote/run-cache.ts'), import('../../remote/open.ts')]);
  return remoteRunLookup(() => openStore(remote), cacheDir);
}
