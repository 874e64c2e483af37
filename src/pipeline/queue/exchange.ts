/**
 * A coordinator's side of running an instance elsewhere through the remote (queue workers; SLURM
 * jobs without a shared file system): before, the deps upstream instances made are sent to the
 * remote and the job described (what its fingerprint is made of, so the other side can check its
 * own checkout); after, the outputs the other side pushed are fetched (every object re-hashed),
 * checked against the hashes it answered with, and placed in staging for the commit step.
 */
import { hostname } from 'node:os';
import { RunCache, type OutRecord } from '../state/cache.ts';
import { formatProblems } from '../errors.ts';
import type { Reporter } from '../events.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import type { Plan, PlannedInstance } from '../plan/plan.ts';
import { isInside } from '../fs/safe-path.ts';
import { outHash } from '../remote/layout.ts';
import { fetchRecordObjects, uploadRecord } from '../remote/record-transfer.ts';
import type { RemoteStore } from '../remote/store.ts';
import type { Observed } from '../plan/staleness.ts';
import type { Staging } from '../run/steps/staging.ts';
import { codeFileHashes } from './checkout-check.ts';
import type { JobData, JobResult } from './protocol.ts';

export interface ExchangeOptions {
  plan: Plan;
  hasher: Hasher;
  store: RemoteStore;
  /** `run --force`: the other side runs the instance even when the remote has its run already. */
  force: boolean;
  /** How the plan was made, for the other side to make the same one. */
  profile: string | undefined;
  sets: string[];
}

export class RemoteExchange {
  readonly cache: RunCache;
  private readonly sentDeps = new Map<string, Promise<void>>();

  constructor(private readonly opts: ExchangeOptions) {
    this.cache = new RunCache(opts.plan.cacheDir);
  }

  /** What the other side needs to find, check and run the instance; deps made upstream are sent first. */
  async describe(inst: PlannedInstance, observed: Observed): Promise<JobData> {
    const { plan, hasher } = this.opts;
    const upstream: Record<string, OutRecord> = {};
    for (const dep of inst.deps) {
      // Sources (tracked by git) are the other checkout's; what instances make comes from here.
      if (!plan.instances.some((i) => i.outs.some((o) => isInside(o, dep) || isInside(dep, o)))) continue;
      const d = await hasher.describe(dep);
      if (!d) throw new Error(`dependency ${dep} is missing`);
      const rec: OutRecord = d.listing ? { type: 'dir', files: d.listing } : { type: 'file', hash: d.hash, size: d.size };
      upstream[dep] = rec;
      await this.sendDep(dep, rec);
    }
    return {
      id: inst.id,
      fingerprint: observed.fingerprint,
      profile: this.opts.profile,
      sets: this.opts.sets,
      module: inst.module,
      params: inst.item,
      code: await codeFileHashes(inst, hasher),
      deps: Object.fromEntries(Object.entries(observed.deps).map(([d, h]) => [d, h?.hash ?? 'missing'])),
      upstream,
      coordinator: `${hostname()} ${process.pid}`,
      force: this.opts.force,
    };
  }

  /** Once per content per run: ten instances reading one dataset send it once. */
  private sendDep(dep: string, rec: OutRecord): Promise<void> {
    const key = `${dep}\0${outHash(rec)}`;
    let sending = this.sentDeps.get(key);
    if (!sending) {
      sending = uploadRecord(this.opts.store, this.cache, { outs: { [dep]: rec } }, { workspace: this.opts.plan.root });
      this.sentDeps.set(key, sending);
    }
    return sending;
  }

  /** The outputs `from` pushed, into staging, verified: nothing whose content differs is ever placed. */
  async receive(inst: PlannedInstance, fingerprint: string, result: JobResult, staging: Staging, reporter: Reporter, from: string): Promise<void> {
    for (const out of inst.outs) {
      const rec = result.outs[out];
      if (!rec || outHash(rec) !== result.hashes[out])
        throw new Error(`${from} answered with ${rec ? 'a listing of' : 'no'} ${out} that does not match its hash; not recorded`);
    }
    const extra = Object.keys(result.outs).filter((o) => !inst.outs.includes(o));
    if (extra.length > 0) throw new Error(`${from} answered with outputs the instance does not declare (${extra.join(', ')}); not recorded`);
    const record = { outs: Object.fromEntries(inst.outs.map((o) => [o, result.outs[o]!])) };
    const fetched = await fetchRecordObjects(this.opts.store, this.cache, record, (current, total) => {
      reporter.event({ type: 'progress', id: inst.id, update: { step: `fetching the outputs of ${from}`, current, total, unit: 'bytes' } });
    });
    if (!fetched.ok)
      throw new Error(`the outputs ${from} pushed to ${this.opts.store.label} are not usable: ${formatProblems(fetched.problems)}; not recorded`);
    await this.cache.setRecord(fingerprint, record);
    const applied = await this.cache.apply(record, staging.targets());
    if (!applied.ok) throw new Error(`the outputs of ${from}: ${formatProblems(applied.problems)}; not recorded`);
  }
}
