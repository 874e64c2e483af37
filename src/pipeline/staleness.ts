/**
 * Is an instance stale, and why? Compares what is on disk now with its lock entry, cheapest
 * check first (definition, params, code, then deps, then outs, as DVC's Stage.changed does), and
 * says each reason in words for `status` and the progress list.
 */
import { canonicalJson, fingerprintOf, sha256, type Hasher, type PathHash } from './fingerprint.ts';
import type { LockEntry } from './lock.ts';
import type { PlannedInstance } from './plan.ts';

export interface Observed {
  code: string;
  deps: Record<string, PathHash | undefined>;
  outs: Record<string, PathHash | undefined>;
  /** Fingerprint of the instance as it would run now (from code, params and current deps). */
  fingerprint: string;
}

const MISSING = 'missing';

/**
 * The code hash of each set of code files, once per hasher (one command): the thousand instances
 * of a matrix stage share their code, and one command sees one snapshot of it.
 */
const codeHashes = new WeakMap<Hasher, Map<string, Promise<string>>>();

function codeHash(files: string[], hasher: Hasher): Promise<string> {
  let memo = codeHashes.get(hasher);
  if (!memo) codeHashes.set(hasher, (memo = new Map()));
  const key = files.join('\n');
  let hash = memo.get(key);
  if (!hash) {
    hash = (async () => {
      const parts = await Promise.all(files.map(async (f) => `${f}\0${(await hasher.hashPath(f))?.hash ?? MISSING}`));
      return sha256(parts.join('\n'));
    })();
    memo.set(key, hash);
  }
  return hash;
}

export async function observe(inst: PlannedInstance, hasher: Hasher): Promise<Observed> {
  const hashAll = async (paths: string[]): Promise<Record<string, PathHash | undefined>> =>
    Object.fromEntries(await Promise.all(paths.map(async (p) => [p, await hasher.hashPath(p)] as const)));
  const [code, deps, outs] = await Promise.all([codeHash(inst.codeFiles, hasher), hashAll(inst.deps), hashAll(inst.outs)]);
  return { code, deps, outs, fingerprint: fingerprintFor(inst, code, deps) };
}

export function fingerprintFor(inst: PlannedInstance, code: string, deps: Record<string, PathHash | undefined>): string {
  const depHashes: Record<string, string> = {};
  for (const [d, h] of Object.entries(deps)) depHashes[d] = h?.hash ?? MISSING;
  return fingerprintOf({ module: inst.module, code, params: inst.params, deps: depHashes, outs: inst.outs });
}

export function staleReasons(inst: PlannedInstance, obs: Observed, entry: LockEntry | undefined): string[] {
  if (!entry) return ['never run (no entry in pipeline.lock)'];
  const reasons: string[] = [];
  if (entry.module !== inst.module) reasons.push(`definition: module ${entry.module} -> ${inst.module}`);
  if (canonicalJson(entry.params) !== canonicalJson(inst.params)) reasons.push(...paramChanges(entry.params, inst.params));
  if (entry.code !== obs.code) reasons.push(`code: ${inst.module} or a module it imports changed`);
  const recordedDeps = Object.keys(entry.deps).sort();
  const currentDeps = [...inst.deps].sort();
  if (canonicalJson(recordedDeps) !== canonicalJson(currentDeps)) reasons.push('definition: deps list changed');
  for (const d of inst.deps) {
    const now = obs.deps[d];
    const then = entry.deps[d];
    if (!now) reasons.push(`deps: ${d} missing`);
    else if (then && then.hash !== now.hash) reasons.push(`deps: ${d} changed`);
  }
  const recordedOuts = Object.keys(entry.outs).sort();
  if (canonicalJson(recordedOuts) !== canonicalJson([...inst.outs].sort())) reasons.push('definition: outs list changed');
  for (const o of inst.outs) {
    const now = obs.outs[o];
    const then = entry.outs[o];
    if (!now) reasons.push(`outs: ${o} missing`);
    else if (then && then.hash !== now.hash) reasons.push(`outs: ${o} modified`);
  }
  if (reasons.length === 0 && entry.fingerprint !== obs.fingerprint) reasons.push('fingerprint differs from pipeline.lock');
  return reasons;
}

/** "params: train.dropout 0.3 -> 0.5", one line per changed leaf, at most five. */
export function paramChanges(before: unknown, after: unknown): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const lines: string[] = [];
  for (const k of keys) {
    const x = a.get(k);
    const y = b.get(k);
    if (x === y) continue;
    lines.push(`params: ${k || '(all)'} ${x ?? '(unset)'} -> ${y ?? '(unset)'}`);
  }
  if (lines.length > 5) return [...lines.slice(0, 5), `params: ${lines.length - 5} more changed`];
  return lines.length > 0 ? lines : ['params changed'];
}

/** Leaves by path (`train.epochs`, `architecture.layers[3].filters`), each as canonical JSON, so
 * key order never reads as a change and a changed layer names itself rather than the whole list. */
function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, shorten(canonicalJson(value)));
  }
  return out;
}

/** Keeps a reason on one readable line: long strings are cut in the middle. */
function shorten(json: string, max = 60): string {
  return json.length <= max ? json : `${json.slice(0, max / 2 - 2)} ... ${json.slice(-(max / 2 - 3))}`;
}
