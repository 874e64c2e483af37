/** `pipeline status`: what is stale and why, with an estimate; `--remote`: what the remote holds. */
import path from 'node:path';
import type { CommandArgs, Io } from '../command-kit.ts';
import { workspaceEstimates } from '../../plan/estimate.ts';
import { formatSeconds } from '../../events.ts';
import type { Hasher } from '../../plan/fingerprint.ts';
import { Lock } from '../../state/lock.ts';
import type { Plan } from '../../plan/plan.ts';
import { computeStatus, neverRunStatus, type StatusReport } from '../../plan/status.ts';
import { parseJobs } from './run.ts';
import { notRunYetStatus, PROFILES_DIR } from '../../workspace/profile-root.ts';
import { openProject, planOfUnrunProfile } from './workspace.ts';

export async function statusCommand(args: CommandArgs, io: Io): Promise<number> {
  const unrun = args.values.remote ? undefined : await planOfUnrunProfile(args, io);
  if (unrun) {
    // Estimated from the other workspaces' locks; nothing is hashed, so nothing is written.
    const { plan, profile, projectRoot, selected } = unrun;
    const workspace = path.join(projectRoot, PROFILES_DIR, profile);
    const estimates = await workspaceEstimates(projectRoot, workspace, await Lock.open(workspace));
    const report = neverRunStatus(plan, selected, parseJobs(args.values.jobs), estimates);
    if (args.values.json) io.out(`${JSON.stringify({ profile, workspace: null, ...report }, null, 2)}\n`);
    else io.out(notRunYetStatus(profile, report.instances.length) + renderStatus(report, false));
    return args.values['exit-code'] ? 1 : 0;
  }
  const project = await openProject(args, io);
  // The remote's code is loaded only for --remote: `pipeline run` prints through this module too.
  if (args.values.remote) return (await import('./transfer.ts')).remoteVerb('status', project, args, io);
  const { values } = args;
  // Under a profile, say which workspace and which lock are compared (the default needs no words).
  const where = path.relative(project.projectRoot, project.root);
  if (where && !values.json) io.out(`profile ${project.profile}: ${where}/ against ${where}/pipeline.lock\n`);
  return printStatus(
    project.plan,
    project.hasher,
    project.selected,
    { json: values.json, dryRun: false, exitCode: values['exit-code'], jobs: parseJobs(values.jobs), projectRoot: project.projectRoot },
    io,
  );
}

interface StatusOptions {
  json: boolean;
  dryRun: boolean;
  exitCode: boolean;
  jobs: number;
  /** Where the other workspaces' locks are (estimates for never-run instances). */
  projectRoot: string;
}

export async function printStatus(plan: Plan, hasher: Hasher, selected: Set<string> | undefined, options: StatusOptions, io: Io): Promise<number> {
  const lock = await Lock.open(plan.root);
  const estimates = await workspaceEstimates(options.projectRoot, plan.root, lock);
  const report = await computeStatus(plan, lock, hasher, selected, options.jobs, estimates);
  io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report, options.dryRun));
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
  if (r.item_changed > 0) basis.push(`${r.item_changed} of those with other values then, so theirs may differ`);
  if (r.unknown_estimates > 0) basis.push(`+${r.unknown_estimates} never timed`);
  return `; about ${formatSeconds(r.wall_seconds)} with ${r.jobs} job${r.jobs === 1 ? '' : 's'} (${basis.join('; ')})`;
}
