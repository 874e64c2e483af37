/**
 * Does this worker's checkout make the instance the job describes? The job carries what its
 * fingerprint is made of (module, params, each code file's hash, each dep's hash); a worker whose
 * own differs says which of them differ, so the user sees "worker b: stages/train.ts differs",
 * not two opaque fingerprints.
 */
import { canonicalJson, type Hasher } from '../plan/fingerprint.ts';
import type { PlannedInstance } from '../plan/plan.ts';
import type { Observed } from '../plan/staleness.ts';
import type { JobData } from './protocol.ts';

const MISSING = 'missing';

/** Each code file of `inst` with its hash ('missing' when absent), as the job carries them. */
export async function codeFileHashes(inst: PlannedInstance, hasher: Hasher): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of inst.codeFiles) out[f] = (await hasher.hashPath(f))?.hash ?? MISSING;
  return out;
}

/** What differs before any dep is placed (code and definition): empty when nothing does. */
export async function definitionDifferences(inst: PlannedInstance, job: JobData, hasher: Hasher): Promise<string[]> {
  const out: string[] = [];
  if (inst.module !== job.module) out.push(`module ${inst.module} here, ${job.module} there`);
  if (canonicalJson(inst.item) !== canonicalJson(job.params))
    out.push(`params ${short(canonicalJson(inst.item))} here, ${short(canonicalJson(job.params))} there`);
  const here = await codeFileHashes(inst, hasher);
  const files = [...new Set([...Object.keys(here), ...Object.keys(job.code)])].sort();
  const changed = files.filter((f) => here[f] !== job.code[f]);
  if (changed.length > 0) out.push(`code ${changed.map((f) => `${f} (${state(here[f])} here, ${state(job.code[f])} there)`).join(', ')}`);
  return out;
}

/** After deps are placed: which deps hash otherwise here than on the coordinator. */
export function depDifferences(observed: Observed, job: JobData): string[] {
  const paths = [...new Set([...Object.keys(observed.deps), ...Object.keys(job.deps)])].sort();
  const changed = paths.filter((d) => (observed.deps[d]?.hash ?? MISSING) !== job.deps[d]);
  return changed.length > 0 ? [`deps ${changed.map((d) => `${d} (${state(observed.deps[d]?.hash)} here, ${state(job.deps[d])} there)`).join(', ')}`] : [];
}

function state(hash: string | undefined): string {
  return hash === undefined ? 'not a code file' : hash === MISSING ? 'missing' : `${hash.slice(0, 10)}…`;
}

function short(json: string): string {
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
