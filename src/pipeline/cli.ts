/**
 * pipeline run|status|dag. Exit codes: 0 success, 1 a stage failed (a bug in it), 2 a user error
 * (bad YAML or config, a stage's own UserError such as a failed download), 130 interrupted.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { RunCache } from './cache.ts';
import { execute } from './executor.ts';
import { formatProblem, isUserError, UserError } from './errors.ts';
import { formatSeconds, silentReporter, type Reporter } from './events.ts';
import { Hasher } from './fingerprint.ts';
import { Lock } from './lock.ts';
import { selectInstances, type Plan } from './plan.ts';
import { plainReporter } from './reporters/plain.ts';
import { acquireRunLock } from './run-lock.ts';
import { loadPlan } from './spec/plan-cache.ts';
import { stateDirs } from './state-dirs.ts';
import { computeStatus, type StatusReport } from './status.ts';
import { runLookup, transferCommand } from './remote/commands.ts';
import { remoteCommand } from './remote/config-commands.ts';
import type { RemoteRunLookup } from './remote/run-cache.ts';

const USAGE = `usage:
  pipeline run [stage...] [--force] [--dry-run] [--jobs N] [--set key=value]... [--profile NAME]
  pipeline status [stage...] [--json] [--set key=value]... [--profile NAME]
  pipeline dag [--set key=value]... [--profile NAME]
  pipeline gc [--keep-days N] [--dry-run]
  pipeline push [stage...] [-r NAME] [--jobs N] [--verify]
  pipeline fetch [stage...] [-r NAME] [--jobs N]
  pipeline pull [stage...] [-r NAME] [--jobs N]
  pipeline status --remote [stage...] [-r NAME] [--json]
  pipeline gc --remote [-r NAME] --keep-days N [--dry-run]
  pipeline remote add [-d] [--project] NAME URL [--endpoint URL] [--path-style] [--region R]
  pipeline remote list | remote remove [--project] NAME

A stage name selects all its instances (train) or one (train@<id>), plus what they depend on.
gc empties the run-cache of everything pipeline.lock does not record and no run used in the last
N days (default 30), and of partial files a killed run left.
push/fetch/pull move what pipeline.lock records to and from a remote (s3://bucket/prefix or a
directory); run restores from the remote's run-cache unless --no-remote. Remotes live in
.pipeline/config.yaml (this machine), or pipeline.yaml with --project; $PIPELINE_REMOTE overrides.`;

export async function main(argv: string[], root = process.cwd()): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        force: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        jobs: { type: 'string', short: 'j' },
        set: { type: 'string', multiple: true, default: [] },
        profile: { type: 'string' },
        json: { type: 'boolean', default: false },
        'keep-days': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        'remote-name': { type: 'string', short: 'r' },
        remote: { type: 'boolean', default: false },
        'no-remote': { type: 'boolean', default: false },
        verify: { type: 'boolean', default: false },
        project: { type: 'boolean', default: false },
        default: { type: 'boolean', short: 'd', default: false },
        endpoint: { type: 'string' },
        'path-style': { type: 'boolean' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`pipeline: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, ...targets] = args.positionals;
  if (args.values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || args.values.help ? 0 : 2;
  }
  try {
    if (command === 'remote') {
      const v = args.values;
      return await remoteCommand(root, targets, { project: v.project, makeDefault: v.default, endpoint: v.endpoint, pathStyle: v['path-style'], region: v.region }, (l) => process.stdout.write(`${l}\n`));
    }
    const hasher = await Hasher.open(root, stateDirs(root).hashes);
    const plan = await loadPlan(root, { profile: args.values.profile, sets: args.values.set }, hasher);
    const { selected, unknown } = targets.length > 0 ? selectInstances(plan, targets) : { selected: undefined, unknown: [] };
    if (unknown.length > 0) {
      throw new UserError(unknown.map((t) => ({ field: 'stage', message: `no stage or instance "${t}" (see \`pipeline dag\`)` })));
    }
    switch (command) {
      case 'run':
        if (args.values['dry-run']) return await status(plan, hasher, selected, false, true);
        return await run(plan, hasher, targets, args.values.force, parseJobs(args.values.jobs), args.values.quiet, await runLookup(root, plan.cacheDir, args.values['remote-name'], args.values['no-remote']));
      case 'status':
        if (args.values.remote) return await transferCommand('status', plan, hasher, selected, remoteArgs(args.values));
        return await status(plan, hasher, selected, args.values.json, false);
      case 'push':
      case 'fetch':
      case 'pull':
        return await transferCommand(command, plan, hasher, selected, remoteArgs(args.values));
      case 'gc':
        if (args.values.remote) return await transferCommand('gc', plan, hasher, selected, remoteArgs(args.values));
        return await gc(plan, args.values['keep-days'], args.values['dry-run']);
      case 'dag':
        process.stdout.write(renderDag(plan));
        return 0;
      default:
        throw new UserError(`unknown command "${command}"\n${USAGE}`);
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

function remoteArgs(v: { 'remote-name'?: string; jobs?: string; verify: boolean; quiet: boolean; json: boolean; 'keep-days'?: string; 'dry-run': boolean }) {
  return { remoteName: v['remote-name'], jobs: v.jobs, verify: v.verify, quiet: v.quiet, json: v.json, keepDays: v['keep-days'], dryRun: v['dry-run'] };
}

function parseJobs(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError([{ field: '--jobs', message: `must be a positive integer, got "${value}"` }]);
  return n;
}

async function run(plan: Plan, hasher: Hasher, targets: string[], force: boolean, jobs: number, quiet: boolean, remote: (RemoteRunLookup & { close(): void }) | undefined): Promise<number> {
  const runLock = await acquireRunLock(stateDirs(plan.root).runLock);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\npipeline: interrupted; stopping running stages (press Ctrl-C again to force)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const reporter: Reporter = quiet
    ? silentReporter
    : process.stdout.isTTY && !process.env.CI
      ? (await import('./reporters/listr.ts')).listrReporter()
      : plainReporter();
  try {
    if (runLock.tookOverFrom) {
      process.stderr.write(`pipeline: took over the run lock of pid ${runLock.tookOverFrom.pid} (started ${runLock.tookOverFrom.started_at}), which is no longer running\n`);
    }
    const lock = await Lock.open(plan.root);
    for (const p of lock.problems) process.stderr.write(`pipeline: ${p}\n`);
    const result = await execute(plan, lock, hasher, { targets, force, jobs, reporter, signal: controller.signal, remote });
    await reporter.close();
    const counts = new Map<string, number>();
    for (const o of result.outcomes.values()) counts.set(o, (counts.get(o) ?? 0) + 1);
    process.stdout.write(`pipeline: ${[...counts].map(([o, n]) => `${n} ${o}`).join(', ') || 'nothing to do'}\n`);
    for (const f of result.failures) process.stderr.write(`pipeline: ${f.id} failed: ${f.message}\n`);
    if (controller.signal.aborted) return 130;
    if (result.failures.length === 0) return 0;
    return result.failures.some((f) => f.userError) ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    remote?.close();
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

async function status(plan: Plan, hasher: Hasher, selected: Set<string> | undefined, json: boolean, dryRun: boolean): Promise<number> {
  const lock = await Lock.open(plan.root);
  const report = await computeStatus(plan, lock, hasher, selected);
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report, dryRun));
  return 0;
}

export function renderStatus(r: StatusReport, dryRun: boolean): string {
  const lines: string[] = [];
  for (const p of r.lock_problems) lines.push(`warning: ${p}`);
  const width = Math.min(48, Math.max(...r.instances.map((i) => i.id.length), 8));
  for (const s of r.instances) {
    const label = s.state === 'fresh' ? 'up to date' : s.state === 'downstream' ? 'may re-run' : s.restorable ? 'stale (restorable from run-cache)' : dryRun ? 'would run' : 'stale';
    lines.push(`${s.id.padEnd(width)}  ${label}`);
    for (const reason of s.reasons) lines.push(`${''.padEnd(width)}    ${reason}`);
  }
  const est = r.estimate_seconds > 0 ? `; about ${formatSeconds(r.estimate_seconds)} of recorded run time` : '';
  const unknown = r.unknown_estimates > 0 ? ` (+${r.unknown_estimates} never timed)` : '';
  lines.push(`${r.stale} of ${r.instances.length} stale${est}${unknown}`);
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
