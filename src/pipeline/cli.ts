/**
 * pipeline run|status|dag|gc (the table of commands and options is cli-args.ts). Exit codes: 0 success, 1 a stage failed (a bug in it), 2 a user error
 * (bad YAML or config, a stage's own UserError such as a failed download), 130 interrupted.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RunCache } from './cache.ts';
import { parseCommandLine, usage, type CommandLine, type OptionValues } from './cli-args.ts';
import { execute } from './execution.ts';
import { formatProblem, isUserError, UserError } from './errors.ts';
import { formatSeconds, type Reporter } from './events.ts';
import { Hasher } from './fingerprint.ts';
import { Lock } from './lock.ts';
import { selectInstances, type Plan } from './plan.ts';
import { plainReporter } from './reporters/plain.ts';
import { quietReporter } from './reporters/quiet.ts';
import { acquireRunLock } from './run-lock.ts';
import { loadPlan } from './spec/plan-cache.ts';
import { stateDirs } from './state-dirs.ts';
import { runLookup, transferCommand } from './remote/commands.ts';
import { remoteCommand } from './remote/config-commands.ts';
import { chooseExecutor } from './queue/choose.ts';
import type { StageExecutor } from './executors/executor.ts';
import type { RemoteRunLookup } from './remote/run-cache.ts';
import { computeStatus, type StatusReport } from './status.ts';
import { trackedOutProblems } from './tracked-outs.ts';
import { ensureSharedCache, profileLocks, profileRoot } from './profile-root.ts';

import { EXPERIMENT_HELP, EXPERIMENT_USAGE, experimentCommand, isExperimentCommand } from './experiments/command.ts';
import { VERIFY_HELP, VERIFY_USAGE, verifyCommand } from './verify/command.ts';

export async function main(argv: string[], root = process.cwd()): Promise<number> {
  // Commands with their own options that never run the executor: comparing and verifying runs.
  if (isExperimentCommand(argv)) return experimentCommand(argv, root);
  if (argv[0] === 'verify') return verifyCommand(argv, root);
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (e) {
    if (!isUserError(e)) throw e;
    for (const p of e.problems) process.stderr.write(`pipeline: ${formatProblem(p)}\n`);
    return 2;
  }
  if (line.kind === 'version') {
    process.stdout.write(`${await packageVersion()}\n`);
    return 0;
  }
  if (line.kind === 'help') {
    const text = usage([EXPERIMENT_USAGE, VERIFY_USAGE], [EXPERIMENT_HELP, VERIFY_HELP]);
    (line.exitCode === 0 ? process.stdout : process.stderr).write(`${text}\n`);
    return line.exitCode;
  }
  const { command, targets, values } = line;
  try {
    if (command === 'remote') {
      const options = {
        project: values.project,
        makeDefault: values.default,
        endpoint: values.endpoint,
        pathStyle: values['path-style'],
        region: values.region,
      };
      return await remoteCommand(root, targets, options, (l) => process.stdout.write(`${l}\n`));
    }
    if (command === 'worker') {
      const args = { concurrency: values.concurrency, redis: values.redis, remoteName: values['remote-name'], name: values.name };
      const { workerCommand } = await import('./queue/worker.ts');
      return await workerCommand(root, args, (l) => process.stdout.write(`${l}\n`));
    }
    // gc serves every workspace that shares the run-cache, so it starts from the project's.
    const projectRoot = root;
    if (values.profile !== undefined && command !== 'gc') root = await profileRoot(root, values.profile);
    const hasher = await Hasher.open(root, stateDirs(root).hashes);
    const plan = await loadPlan(root, { profile: values.profile, sets: values.set }, hasher);
    if (root !== projectRoot) await ensureSharedCache(plan.cacheDir);
    const { selected, unknown } = targets.length > 0 ? selectInstances(plan, targets) : { selected: undefined, unknown: [] };
    if (unknown.length > 0) {
      throw new UserError(unknown.map((t) => ({ field: 'stage', message: `no stage or instance "${t}" (see \`pipeline dag\`)` })));
    }
    switch (command) {
      case 'run':
        if (values['dry-run']) return await status(plan, hasher, selected, { json: false, dryRun: true, exitCode: false, jobs: parseJobs(values.jobs) });
        return await run(
          plan,
          hasher,
          selected,
          values.force,
          parseJobs(values.jobs),
          values.quiet,
          path.relative(projectRoot, root),
          await runLookup(projectRoot, plan.cacheDir, values['remote-name'], values['no-remote']),
          () => chooseExecutor(projectRoot, plan, hasher, executorArgs(values)),
        );
      case 'status':
        if (values.remote) return await transferCommand('status', plan, hasher, selected, remoteArgs(values, projectRoot));
        return await status(plan, hasher, selected, { json: values.json, dryRun: false, exitCode: values['exit-code'], jobs: parseJobs(values.jobs) });
      case 'push':
      case 'fetch':
      case 'pull':
        return await transferCommand(command, plan, hasher, selected, remoteArgs(values, projectRoot));
      case 'gc':
        if (values.remote) return await transferCommand('gc', plan, hasher, selected, remoteArgs(values, projectRoot));
        return await gc(plan, values['keep-days'], values['dry-run']);
      case 'dag':
        process.stdout.write(values.dot ? renderDot(plan) : renderDag(plan));
        return 0;
      default:
        throw new Error(`command "${command}" is in the command table but not dispatched`);
    }
  } catch (e) {
    if (isUserError(e)) {
      // Two stages reading one config key report its problem once each: print it once.
      for (const line of new Set(e.problems.map(formatProblem))) process.stderr.write(`${line}\n`);
      return 2;
    }
    throw e;
  }
}

/** The version in the nearest package.json above this module (the bundle or the source). */
async function packageVersion(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.version) return `${pkg.name ?? 'pipeline'} ${pkg.version}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

function remoteArgs(v: OptionValues, configRoot: string) {
  return {
    configRoot,
    remoteName: v['remote-name'],
    jobs: v.jobs,
    verify: v.verify,
    quiet: v.quiet,
    json: v.json,
    keepDays: v['keep-days'],
    dryRun: v['dry-run'],
  };
}

function executorArgs(v: OptionValues) {
  return { executor: v.executor, redis: v.redis, remoteName: v['remote-name'], noRemote: v['no-remote'], force: v.force, profile: v.profile, sets: v.set };
}

function parseJobs(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError([{ field: '--jobs', message: `must be a positive integer, got "${value}"` }]);
  return n;
}

async function run(
  plan: Plan,
  hasher: Hasher,
  selected: Set<string> | undefined,
  force: boolean,
  jobs: number,
  quiet: boolean,
  workspace: string,
  remote: (RemoteRunLookup & { close(): void }) | undefined,
  openExecutor: () => Promise<StageExecutor | undefined>,
): Promise<number> {
  const reporter: Reporter = quiet
    ? quietReporter()
    : process.stdout.isTTY && !process.env.CI
      ? (await import('./reporters/listr.ts')).listrReporter()
      : plainReporter();
  const notice = (line: string): void => reporter.event({ type: 'notice', line });
  const runLock = await acquireRunLock(stateDirs(plan.root).runLock, notice);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      // Straight to the terminal: the user pressed the key and must see the answer now.
      process.stderr.write('\npipeline: interrupted; stopping running stages (press Ctrl-C again to force)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let executor: StageExecutor | undefined;
  try {
    executor = await openExecutor();
    if (runLock.tookOverFrom) {
      notice(`took over the run lock of pid ${runLock.tookOverFrom.pid} (started ${runLock.tookOverFrom.started_at}), which is no longer running`);
    }
    const lock = await Lock.open(plan.root);
    for (const p of lock.problems) notice(p);
    const tracked = await trackedOutProblems(plan, lock);
    if (tracked.length > 0) throw new UserError(tracked);
    const result = await execute(plan, lock, hasher, { selected, force, jobs, reporter, signal: controller.signal, remote, executor });
    const counts: Record<string, number> = {};
    for (const o of result.outcomes.values()) counts[o] = (counts[o] ?? 0) + 1;
    reporter.event({ type: 'finished', counts, departed: result.departed, workspace, failures: result.failures });
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

async function gc(plan: Plan, keepDaysArg: string | undefined, dryRun: boolean): Promise<number> {
  const keepDays = keepDaysArg === undefined ? 30 : Number(keepDaysArg);
  if (!Number.isFinite(keepDays) || keepDays < 0) {
    throw new UserError([{ field: '--keep-days', message: `must be a number of days >= 0, got "${keepDaysArg}"` }]);
  }
  const runLock = await acquireRunLock(stateDirs(plan.root).runLock); // a run storing objects now would lose them
  try {
    const lock = await Lock.open(plan.root);
    if (lock.problems.length > 0) {
      // Without every recorded fingerprint gc could delete what the last run needs to restore.
      throw new UserError([{ field: 'pipeline.lock', message: `gc refused: ${lock.problems.join('; ')} (run \`pipeline run\` to rewrite it)` }]);
    }
    const keep = new Set(lock.ids().map((id) => lock.get(id)!.fingerprint));
    // Profiles share the run-cache: what their locks record is kept too.
    for (const profileLock of await profileLocks(plan.root)) {
      if (profileLock.problems.length > 0) {
        throw new UserError([{ field: 'pipeline.lock', message: `gc refused: a profile's lock is damaged: ${profileLock.problems.join('; ')}` }]);
      }
      for (const id of profileLock.ids()) keep.add(profileLock.get(id)!.fingerprint);
    }
    const r = await new RunCache(plan.cacheDir).gc({ keep, keepDays, dryRun });
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
    const verb = dryRun ? 'would remove' : 'removed';
    process.stdout.write(
      `gc: ${verb} ${r.records.removed} run records, ${r.objects.removed} objects (${mib(r.objects.removedBytes)}), ` +
        `${r.partial.removed} partial files (${mib(r.partial.removedBytes)}); ` +
        `kept ${r.records.kept} run records, ${r.objects.kept} objects (${mib(r.objects.keptBytes)})\n`,
    );
    return 0;
  } finally {
    await runLock.release();
  }
}

interface StatusOptions {
  json: boolean;
  dryRun: boolean;
  exitCode: boolean;
  jobs: number;
}

async function status(plan: Plan, hasher: Hasher, selected: Set<string> | undefined, options: StatusOptions): Promise<number> {
  const lock = await Lock.open(plan.root);
  const report = await computeStatus(plan, lock, hasher, selected, options.jobs);
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report, options.dryRun));
  return options.exitCode && report.stale > 0 ? 1 : 0;
}

export function renderStatus(r: StatusReport, dryRun: boolean): string {
  const lines: string[] = [];
  for (const p of r.lock_problems) lines.push(`warning: ${p}`);
  const width = Math.min(48, Math.max(...r.instances.map((i) => i.id.length), 8));
  for (const s of r.instances) {
    const label =
      s.state === 'fresh'
        ? 'up to date'
        : s.state === 'downstream'
          ? 'may re-run'
          : s.restorable
            ? 'stale (restorable from run-cache)'
            : dryRun
              ? 'would run'
              : 'stale';
    lines.push(`${s.id.padEnd(width)}  ${label}`);
    for (const reason of s.reasons) lines.push(`${''.padEnd(width)}    ${reason}`);
  }
  for (const d of r.departed) {
    lines.push(`${d.id.padEnd(width)}  left the pipeline`);
    if (d.outs.length > 0) lines.push(`${''.padEnd(width)}    the next run takes ${d.outs.join(', ')} out of the workspace (restorable from the run-cache)`);
  }
  lines.push(`${r.stale} of ${r.instances.length} stale${estimateWords(r)}`);
  return `${lines.join('\n')}\n`;
}

/** What the estimate is, and what it rests on, in words. */
function estimateWords(r: StatusReport): string {
  if (r.timed === 0) return r.unknown_estimates > 0 ? `; no estimate (${r.unknown_estimates} never timed)` : '';
  const basis = [`${formatSeconds(r.estimate_seconds)} of run time recorded for ${r.timed} of them`];
  if (r.params_changed > 0) basis.push(`${r.params_changed} of those with other params then, so theirs may differ`);
  if (r.unknown_estimates > 0) basis.push(`+${r.unknown_estimates} never timed`);
  return `; about ${formatSeconds(r.wall_seconds)} with ${r.jobs} job${r.jobs === 1 ? '' : 's'} (${basis.join('; ')})`;
}

/** The stage graph for Graphviz (`pipeline dag --dot | dot -Tsvg`): one node per stage. */
function renderDot(plan: Plan): string {
  const edges = new Set<string>();
  const nodes = new Map<string, number>();
  for (const inst of plan.instances) {
    nodes.set(inst.stage, (nodes.get(inst.stage) ?? 0) + 1);
    for (const u of inst.upstream) edges.add(`  ${JSON.stringify(u.split('@')[0]!)} -> ${JSON.stringify(inst.stage)};`);
  }
  const lines = ['digraph pipeline {', '  rankdir=LR;', '  node [shape=box];'];
  for (const [name, n] of nodes) {
    const matrix = plan.instances.some((i) => i.stage === name && i.instance);
    lines.push(`  ${JSON.stringify(name)} [label=${JSON.stringify(matrix ? `${name} (${n} instances)` : name)}];`);
  }
  lines.push(...[...edges].sort(), '}');
  return `${lines.join('\n')}\n`;
}

function renderDag(plan: Plan): string {
  const stages = new Map<string, { count: number; upstream: Set<string>; outs: string[] }>();
  for (const inst of plan.instances) {
    const s = stages.get(inst.stage) ?? { count: 0, upstream: new Set<string>(), outs: [] };
    s.count++;
    for (const u of inst.upstream) s.upstream.add(u.split('@')[0]!);
    if (s.count === 1) s.outs = inst.outs;
    stages.set(inst.stage, s);
  }
  const lines: string[] = [];
  for (const [name, s] of stages) {
    const label = s.count > 1 || plan.instances.some((i) => i.stage === name && i.instance) ? `${name} (${s.count} instances)` : name;
    lines.push(s.upstream.size > 0 ? `${label} <- ${[...s.upstream].join(', ')}` : label);
  }
  return `${lines.join('\n')}\n`;
}
