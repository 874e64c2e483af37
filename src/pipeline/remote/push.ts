/**
 * `pipeline push`: sends what pipeline.lock records for the selected instances to a remote:
 * collected once (collect.ts: from the local cache, else the workspace when it holds the locked
 * content), then moved in transfer.ts' order (objects, manifests, records) with only what the
 * remote lacks sent. A remote object of the wrong size is sent again (a truncated upload from
 * another tool); `--verify` re-hashes every remote object and replaces bad ones.
 */
import { RunCache } from '../state/cache.ts';
import type { WithProblems } from '../errors.ts';
import { formatBytes, formatSeconds } from '../events.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import type { Lock } from '../state/lock.ts';
import type { Plan } from '../plan/plan.ts';
import { collectUsed, leftOutProblems, type UsedInstance } from './collect.ts';
import type { RemoteStore } from './store.ts';
import { toRemote, transfer, type TransferOptions, type Transferred } from './transfer.ts';

export async function push(
  plan: Plan,
  lock: Lock,
  hasher: Hasher,
  store: RemoteStore,
  selected: Set<string> | undefined,
  opts: TransferOptions & { verify: boolean },
): Promise<WithProblems<Transferred<UsedInstance>>> {
  const used = await collectUsed(plan, lock, selected, new RunCache(plan.cacheDir), { workspace: hasher }, opts.jobs);
  const direction = toRemote(store, opts.verify);
  const sent = await transfer(used, direction, opts);
  const t = sent.value;
  const rate = t.seconds > 0 && t.bytes > 0 ? `, ${formatBytes(Math.round(t.bytes / t.seconds))}/s` : '';
  opts.print(
    `push to ${store.label}: ${t.moved} objects sent (${formatBytes(t.bytes)}), ${used.objects.size - t.lacking} already there; ` +
      `${t.records} run records and ${t.manifests} manifests sent${direction.repaired ? `; ${direction.repaired} corrupt remote entries replaced` : ''}; ${used.instances.length} instances in ${formatSeconds(t.seconds)}${rate}`,
  );
  // Instances whose outputs this clone never had are not its to push: one line, not a failure.
  if (used.absent.length > 0) opts.warn(absentLine(used.absent));
  return { value: t, problems: [...leftOutProblems(used), ...sent.problems] };
}

/** The one line for the instances whose outputs are neither in the workspace nor in the local cache. */
function absentLine(ids: string[]): string {
  const SHOWN = 3;
  const names = ids.length > SHOWN ? `${ids.slice(0, SHOWN).join(', ')} and ${ids.length - SHOWN} more` : ids.join(', ');
  const [n, them] = ids.length === 1 ? ['1 instance in pipeline.lock has', 'it'] : [`${ids.length} instances in pipeline.lock have`, 'them'];
  return (
    `push: ${n} no outputs here, neither in the workspace nor in the local cache (${names}); not pushed: ` +
    `the clone that ran ${them} can push ${them}, or \`pipeline pull\` or \`pipeline run\` brings ${them} here`
  );
}
