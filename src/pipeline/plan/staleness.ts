/**
 * Is an instance stale, and why? Compares what is on disk now with its lock entry, cheapest
 * check first (definition, item, code, then deps, then outs, as DVC's Stage.changed does), and
 * says each reason in words for `status` and the progress list.
 */
import { canonicalJson, fingerprintOf, sha256, type Hasher, type PathHash } from './fingerprint.ts';
import type { LockEntry } from '../state/lock.ts';
import { unreachable } from '../errors.ts';
import type { PlannedInstance } from './plan.ts';

export interface Observed {
  code: string;
  deps: Record<string, PathHash | undefined>;
  outs: Record<string, PathHash | undefined>;
  /** Fingerprint of the instance as it would run now (from code, item and current deps). */
  fingerprint: string;
}

const MISSING = 'missing';

/**
 * The code hash of each set of code files (as programs: comments, layout and types do not count),
 * once per hasher (one command): the thousand instances of a matrix stage share their code, and
 * one command sees one snapshot of it.
 */
const codeHashes = new WeakMap<Hasher, { byText: Map<string, Promise<string>>; byList: WeakMap<string[], Promise<string>> }>();

function codeHash(files: string[], hasher: Hasher): Promise<string> {
  let memo = codeHashes.get(hasher);
  if (!memo) codeHashes.set(hasher, (memo = { byText: new Map(), byList: new WeakMap() }));
  // A cached plan's instances of one stage share one list: found without joining its paths.
  const known = memo.byList.get(files);
  if (known) return known;
  const key = files.join('\n');
  let hash = memo.byText.get(key);
  if (!hash) {
    hash = (async () => {
      const parts = await Promise.all(files.map(async (f) => `${f}\0${(await hasher.codeDigestOf(f)) ?? MISSING}`));
      return sha256(parts.join('\n'));
    })();
    memo.byText.set(key, hash);
  }
  memo.byList.set(files, hash);
  return hash;
}

/**
 * Hashes of paths already observed by one snapshot (a status): thousands of instances read the
 * same dep folder, and listing it once per instance was most of a 10,000-instance status. Only for
 * a read-only pass: a run observes each instance when it is due, after its upstream wrote.
 */
export type SnapshotPaths = Map<string, Promise<PathHash | undefined>>;

export async function observe(inst: PlannedInstance, hasher: Hasher, snapshot?: SnapshotPaths): Promise<Observed> {
  const hashOne = (p: string): Promise<PathHash | undefined> => {
    if (!snapshot) return hasher.hashPath(p);
    let hash = snapshot.get(p);
    if (!hash) snapshot.set(p, (hash = hasher.hashPath(p)));
    return hash;
  };
  const hashAll = async (paths: string[]): Promise<Record<string, PathHash | undefined>> =>
    Object.fromEntries(await Promise.all(paths.map(async (p) => [p, await hashOne(p)] as const)));
  const [code, deps, outs] = await Promise.all([codeHash(inst.codeFiles, hasher), hashAll(inst.deps), hashAll(inst.outs)]);
  return { code, deps, outs, fingerprint: fingerprintFor(inst, code, deps) };
}

export function fingerprintFor(inst: PlannedInstance, code: string, deps: Record<string, PathHash | undefined>): string {
  const depHashes: Record<string, string> = {};
  for (const [d, h] of Object.entries(deps)) depHashes[d] = h?.hash ?? MISSING;
  // The item's key is `params` and names are absent unless declared, so a lock written before
  // either rename keeps its fingerprints (lock-format.ts). Names count: swapping two names swaps
  // what the stage reads as what, although the paths and their hashes stay the same.
  return fingerprintOf({ module: inst.module, code, params: inst.item, deps: depHashes, outs: inst.outs, names: inst.names });
}

/**
 * Why an instance is stale, as data: `status --json` hands these to tools, and `describeReason`
 * turns each into the words status and the progress list print. Values are canonical JSON,
 * shortened; null stands for a value that is not set.
 */
export type StaleReason =
  | { kind: 'never-run' }
  | { kind: 'forced' }
  | { kind: 'module'; from: string; to: string }
  | { kind: 'item'; key: string; from: string | null; to: string | null }
  | { kind: 'item-tree'; key: string; change: 'added' | 'removed' }
  | { kind: 'item-more'; count: number }
  | { kind: 'item-changed' }
  | { kind: 'code'; module: string }
  | { kind: 'deps-list' }
  | { kind: 'dep'; path: string; change: 'changed' | 'missing' }
  | { kind: 'outs-list' }
  | { kind: 'out'; path: string; change: 'modified' | 'missing' }
  | { kind: 'fingerprint' }
  | { kind: 'upstream'; ids: string[] }
  | { kind: 'run-cache'; problem: string };

export function describeReason(r: StaleReason): string {
  switch (r.kind) {
    case 'never-run':
      return 'never run (no entry in pipeline.lock)';
    case 'forced':
      return 'forced (--force)';
    case 'module':
      return `definition: module ${r.from} -> ${r.to}`;
    case 'item':
      return `item: ${r.key || '(all)'} ${r.from ?? '(unset)'} -> ${r.to ?? '(unset)'}`;
    case 'item-tree':
      return `item: ${r.key} ${r.change}`;
    case 'item-more':
      return `item: ${r.count} more changed`;
    case 'item-changed':
      return 'item changed';
    case 'code':
      return `code: ${r.module} or a module it imports changed`;
    case 'deps-list':
      return 'definition: deps list changed';
    case 'dep':
      return `deps: ${r.path} ${r.change}`;
    case 'outs-list':
      return 'definition: outs list changed';
    case 'out':
      return `outs: ${r.path} ${r.change}`;
    case 'fingerprint':
      return 'fingerprint differs from pipeline.lock';
    case 'upstream':
      return `re-checked after ${idsInBrief(r.ids)} (its output may change)`;
    case 'run-cache':
      return `run-cache: ${r.problem}; it will not be used (the stage re-runs)`;
    default:
      return unreachable(r);
  }
}

/** Instance ids on one readable line: up to three of a stage by name, more as a count (`13 of train`). */
export function idsInBrief(ids: string[]): string {
  const byStage = new Map<string, string[]>();
  for (const id of ids) {
    const stage = id.split('@')[0]!;
    byStage.set(stage, [...(byStage.get(stage) ?? []), id]);
  }
  return [...byStage].map(([stage, of]) => (of.length <= 3 ? of.join(', ') : `${of.length} instances of ${stage}`)).join(', ');
}

export function staleReasons(inst: PlannedInstance, obs: Observed, entry: LockEntry | undefined): StaleReason[] {
  if (!entry) return [{ kind: 'never-run' }];
  const reasons: StaleReason[] = [];
  if (entry.module !== inst.module) reasons.push({ kind: 'module', from: entry.module, to: inst.module });
  if (canonicalJson(entry.item) !== canonicalJson(inst.item)) reasons.push(...itemReasons(entry.item, inst.item));
  if (entry.code !== obs.code) reasons.push({ kind: 'code', module: inst.module });
  const recordedDeps = Object.keys(entry.deps).sort();
  const currentDeps = [...inst.deps].sort();
  if (canonicalJson(recordedDeps) !== canonicalJson(currentDeps)) reasons.push({ kind: 'deps-list' });
  for (const d of inst.deps) {
    const now = obs.deps[d];
    const then = entry.deps[d];
    if (!now) reasons.push({ kind: 'dep', path: d, change: 'missing' });
    else if (then && then.hash !== now.hash) reasons.push({ kind: 'dep', path: d, change: 'changed' });
  }
  const recordedOuts = Object.keys(entry.outs).sort();
  if (canonicalJson(recordedOuts) !== canonicalJson([...inst.outs].sort())) reasons.push({ kind: 'outs-list' });
  for (const o of inst.outs) {
    const now = obs.outs[o];
    const then = entry.outs[o];
    if (!now) reasons.push({ kind: 'out', path: o, change: 'missing' });
    else if (then && then.hash !== now.hash) reasons.push({ kind: 'out', path: o, change: 'modified' });
  }
  if (reasons.length === 0 && entry.fingerprint !== obs.fingerprint) reasons.push({ kind: 'fingerprint' });
  return reasons;
}

/**
 * One reason per changed leaf (`train.dropout 0.3 -> 0.5`), at most five; a whole mapping that
 * one side lacks is one reason (`experiments.vgg-small added`), not the first five of its leaves.
 */
export function itemReasons(before: unknown, after: unknown): StaleReason[] {
  const out: StaleReason[] = [];
  compareItems(before, after, '', out);
  if (out.length > 5) return [...out.slice(0, 5), { kind: 'item-more', count: out.length - 5 }];
  return out.length > 0 ? out : [{ kind: 'item-changed' }];
}

function compareItems(before: unknown, after: unknown, prefix: string, out: StaleReason[]): void {
  if (isPlainMapping(before) && isPlainMapping(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (!(k in after) && isMapping(before[k])) out.push({ kind: 'item-tree', key, change: 'removed' });
      else if (!(k in before) && isMapping(after[k])) out.push({ kind: 'item-tree', key, change: 'added' });
      else compareItems(before[k], after[k], key, out);
    }
    return;
  }
  // An absent value has no leaves: what the other side has reads as "(unset) -> value".
  const a = before === undefined ? new Map<string, string>() : flatten(before, prefix);
  const b = after === undefined ? new Map<string, string>() : flatten(after, prefix);
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(k);
    const y = b.get(k);
    if (x !== y) out.push({ kind: 'item', key: k, from: x ?? null, to: y ?? null });
  }
}

function isPlainMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A mapping of more than one leaf: a single leaf says more by its own name and value. */
function isMapping(v: unknown): v is Record<string, unknown> {
  return isPlainMapping(v) && flatten(v).size > 1;
}

/** itemReasons in words: "item: train.dropout 0.3 -> 0.5". */
export function itemChanges(before: unknown, after: unknown): string[] {
  return itemReasons(before, after).map(describeReason);
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
