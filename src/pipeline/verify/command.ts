/** `pipeline verify [stage...]`: re-runs recorded instances and reports what reproduced (options: cli/command-table.ts). */
import { exitCodeOf, type CommandArgs, type Io } from '../cli/command-kit.ts';
import { unreachable, UserError } from '../errors.ts';
import { formatSeconds } from '../events.ts';
import { Hasher } from '../plan/fingerprint.ts';
import { readLockAt } from '../experiments/collect.ts';
import { openRevision, WORKSPACE } from '../experiments/revision.ts';
import { locate } from '../cli/commands/workspace.ts';
import { profileRoot } from '../workspace/profile-root.ts';
import { plainReporter } from '../reporters/plain.ts';
import { analyze } from '../spec/analyze.ts';
import { stateDirs } from '../state/dirs.ts';
import { declaredRules } from './declared.ts';
import { chooseInstances, verifyInstance, type Verdict } from './verify.ts';

export function verifyCommand(args: CommandArgs, io: Io): Promise<number> {
  const write = io.out;
  return exitCodeOf(async () => {
    const values = args.values;
    const sample = values.sample === undefined ? undefined : Number(values.sample);
    if (sample !== undefined && (!Number.isInteger(sample) || sample < 1))
      throw new UserError([{ field: '--sample', message: `must be a positive integer, got "${values.sample}"` }]);
    // A profile's runs are recorded in its own workspace (profiles/NAME/): verify those.
    const { projectRoot, profile } = await locate(args.cwd, values.profile);
    const root = profile !== undefined ? await profileRoot(projectRoot, profile) : projectRoot;
    const plan = await analyze(root, { profile, sets: values.set });
    const lock = await readLockAt(await openRevision(root, WORKSPACE));
    const chosen = chooseInstances(plan.instances, lock, args.positionals, sample, values.seed ?? '0');
    if (chosen.length === 0) throw new UserError([{ field: 'pipeline.lock', message: 'records no instance of this pipeline: there is nothing to verify' }]);
    const json = values.json;
    // The runner's plain reporter shows the re-runs' progress and logs as `pipeline run` would.
    const reporter = json ? undefined : plainReporter((l) => write(`${l}\n`));
    if (!json) write(`verify: ${chosen.length} instance(s): ${chosen.map((i) => i.id).join(', ')}\n`);
    // Read only: its file is never written back, so verifying leaves the runner's state as it was.
    const hasher = await Hasher.open(root, stateDirs(root).hashes);
    const rules = await declaredRules(root);
    const verdicts = await inTurn(chosen, (inst, signal) =>
      verifyInstance(inst, lock.get(inst.id)!, {
        root,
        hasher,
        rules,
        signal,
        handlers: {
          progress: (update) => reporter?.event({ type: 'progress', id: inst.id, update }),
          log: (line) => reporter?.event({ type: 'log', id: inst.id, line }),
        },
      }).then((v) => {
        if (!json && !signal.aborted) write(renderVerdict(v));
        return v;
      }),
    );
    if (verdicts === 'interrupted') return 130;
    if (json) write(`${JSON.stringify(verdicts, null, 2)}\n`);
    else write(`${summary(verdicts)}\n`);
    if (verdicts.some((v) => v.state === 'mismatch' || v.state === 'failed')) return 1;
    return verdicts.some((v) => v.state === 'stale') ? 2 : 0;
  }, io.err);
}

/** One instance after another (each re-run gets every core); Ctrl-C stops the current one. */
async function inTurn<T>(items: T[], verify: (item: T, signal: AbortSignal) => Promise<Verdict>): Promise<Verdict[] | 'interrupted'> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const verdicts: Verdict[] = [];
    for (const item of items) {
      const v = await verify(item, controller.signal);
      if (controller.signal.aborted) return 'interrupted';
      verdicts.push(v);
    }
    return verdicts;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

export function renderVerdict(v: Verdict): string {
  switch (v.state) {
    case 'stale':
      return `- ${v.id}: not verified: its code, item or deps differ from the record (${v.reasons.join('; ')})\n`;
    case 'failed':
      return `✖ ${v.id}: the re-run failed after ${formatSeconds(v.seconds)}: ${v.message}\n`;
    case 'match':
    case 'mismatch': {
      const lines = [`${v.state === 'match' ? '✔' : '✖'} ${v.id}: ${v.state === 'match' ? 'reproduced' : 'MISMATCH'} (re-ran in ${formatSeconds(v.seconds)})`];
      for (const o of v.outs) {
        lines.push(
          `    ${o.out}: ${o.result === 'identical' ? 'identical bytes' : o.result === 'within-tolerance' ? 'within the declared tolerance' : 'different'}`,
        );
        for (const d of o.details) lines.push(`      ${d}`);
      }
      return `${lines.join('\n')}\n`;
    }
    default:
      return unreachable(v);
  }
}

function summary(verdicts: Verdict[]): string {
  const count = (s: Verdict['state']): number => verdicts.filter((v) => v.state === s).length;
  return `verify: ${count('match')} reproduced, ${count('mismatch')} mismatched, ${count('failed')} failed, ${count('stale')} not verifiable`;
}
