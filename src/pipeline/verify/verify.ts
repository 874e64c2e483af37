/**
 * `pipeline verify`: re-runs recorded instances in a scratch directory and checks that they
 * reproduce what pipeline.lock records. Nothing it does touches the workspace's outputs, the lock
 * or the run-cache: the re-run writes under the system's temp directory, which is deleted after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInChild, type ChildHandlers } from '../child/spawn.ts';
import { UserError } from '../errors.ts';
import { sha256, Hasher } from '../plan/fingerprint.ts';
import type { LockEntry } from '../state/lock.ts';
import type { PlannedInstance } from '../plan/plan.ts';
import { describeReason, observe, staleReasons } from '../plan/staleness.ts';
import { compareOut, type OutVerdict } from './compare-outs.ts';
import type { VerifyRule } from './rules.ts';

export type Verdict =
  | { id: string; state: 'match' | 'mismatch'; seconds: number; outs: OutVerdict[] }
  /** The stage itself failed while re-running. */
  | { id: string; state: 'failed'; seconds: number; message: string }
  /** Code, params or deps differ from the record: a re-run would compute something else. */
  | { id: string; state: 'stale'; reasons: string[] };

/**
 * The instances to verify: the named ones (a stage name names all its instances; upstream ones
 * are not added, their recorded outputs are the inputs), or every recorded one; `sample` keeps
 * that many, chosen by the seed so that a CI log can be replayed.
 */
export function chooseInstances(
  instances: PlannedInstance[],
  lock: Map<string, LockEntry>,
  targets: string[],
  sample: number | undefined,
  seed: string,
): PlannedInstance[] {
  let chosen = instances.filter((i) => lock.has(i.id));
  if (targets.length > 0) {
    const unknown = targets.filter((t) => !instances.some((i) => i.id === t || i.stage === t));
    if (unknown.length > 0) throw new UserError(unknown.map((t) => ({ field: 'target', message: `no stage or instance "${t}" (see \`pipeline dag\`)` })));
    const named = instances.filter((i) => targets.includes(i.id) || targets.includes(i.stage));
    const unrecorded = named.filter((i) => !lock.has(i.id));
    if (unrecorded.length > 0)
      throw new UserError(unrecorded.map((i) => ({ field: i.id, message: 'has no entry in pipeline.lock: there is no recorded result to verify' })));
    chosen = named;
  }
  if (sample !== undefined && sample < chosen.length) {
    const kept = new Set(
      chosen
        .map((i) => ({ id: i.id, key: sha256(`${seed}\0${i.id}`) }))
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .slice(0, sample)
        .map((x) => x.id),
    );
    chosen = chosen.filter((i) => kept.has(i.id)); // still in the plan's order: upstream first
  }
  return chosen;
}

export interface VerifyEnv {
  root: string;
  hasher: Hasher;
  handlers: ChildHandlers;
  signal: AbortSignal;
  /** Each stage's `verify:` rules from pipeline.yaml. */
  rules: Map<string, VerifyRule[]>;
}

export async function verifyInstance(inst: PlannedInstance, entry: LockEntry, env: VerifyEnv): Promise<Verdict> {
  const obs = await observe(inst, env.hasher);
  if (obs.fingerprint !== entry.fingerprint) {
    // Missing or edited outs do not matter here: they are what the re-run recreates.
    const reasons = staleReasons(inst, obs, entry)
      .filter((r) => r.kind !== 'out')
      .map(describeReason);
    return { id: inst.id, state: 'stale', reasons: reasons.length > 0 ? reasons : ['its fingerprint differs from the recorded one'] };
  }
  const rules = env.rules.get(inst.stage) ?? [];
  const scratch = await mkdtemp(path.join(tmpdir(), 'pipeline-verify-'));
  const outRoot = path.join(scratch, 'outs');
  const started = performance.now();
  const seconds = (): number => Math.round((performance.now() - started) / 10) / 100;
  try {
    try {
      await runInChild(
        {
          type: 'job',
          module: inst.module,
          root: env.root,
          instance: inst.instance,
          item: inst.item,
          deps: inst.deps.map((d) => path.join(env.root, d)),
          outs: inst.outs.map((o) => path.join(outRoot, o)),
          declaredDeps: inst.deps,
          declaredOuts: inst.outs,
          names: inst.names,
          // Its own checkpoint directory: resuming the workspace's would verify nothing.
          scratch: path.join(scratch, 'scratch'),
          // What `pipeline run` gives an instance by default (--jobs = cores, a core each), so the
          // re-run computes as the recorded run did.
          threads: 1,
        },
        env.handlers,
        env.signal,
        undefined,
      );
    } catch (e) {
      return { id: inst.id, state: 'failed', seconds: seconds(), message: (e as Error).message };
    }
    // Hashes of the re-run are kept in memory only; the hasher's file is never written.
    const produced = { hasher: await Hasher.open(outRoot, path.join(scratch, 'hashes.json')), root: outRoot };
    const workspace = { hasher: env.hasher, root: env.root };
    const outs: OutVerdict[] = [];
    for (const o of inst.outs) outs.push(await compareOut(o, entry.outs[o]!, produced, workspace, rules));
    return { id: inst.id, state: outs.every((o) => o.result !== 'different') ? 'match' : 'mismatch', seconds: seconds(), outs };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
