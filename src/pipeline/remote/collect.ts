/**
 * What a selection of instances uses, collected once for push, fetch, pull and status --remote:
 * each recorded instance with the run record of its locked outputs, every object those records
 * name with who needs it and where it can be read here, and the manifests of their directories.
 * transfer.ts then moves it in either direction without walking instances, records or objects
 * again.
 */
import path from 'node:path';
import type { RunCache, RunRecord } from '../state/cache.ts';
import { fail, succeed, type Problem, type Result } from '../errors.ts';
import type { DirListing, Hasher } from '../plan/fingerprint.ts';
import type { Lock, LockEntry } from '../state/lock.ts';
import type { Plan } from '../plan/plan.ts';
import { outFiles, outHash } from './layout.ts';
import { describeFile, exists, localRecord, remoteRecord, workspaceRecord } from './resolve.ts';
import { parallel, type RemoteStore } from './store.ts';

/** What a transfer moves for one instance: its record, filed under its fingerprint at the receiving end. */
export interface ShippedInstance {
  fingerprint: string;
  record: RunRecord;
  /** The record is the local run-cache's (else the workspace's or the remote's: written here only after its objects). */
  local: boolean;
}

export interface UsedInstance extends ShippedInstance {
  id: string;
  entry: LockEntry;
}

export interface UsedObject {
  size: number;
  /** "instance: out/file" for every output that holds it, for messages. */
  neededBy: string[];
  /** Where it can be read here: the local cache, else (for a push) the workspace. */
  file: string | undefined;
  /** In the local cache: a fetch brings only the others. */
  cached: boolean;
}

/** What transfer.ts moves: records, the objects they name, the manifests of their directories. */
export interface Shipment<I extends ShippedInstance = ShippedInstance> {
  instances: I[];
  objects: Map<string, UsedObject>;
  /** Directory listings by the directory's hash: the remote's manifests. */
  manifests: Map<string, DirListing>;
}

/** What a selection uses; its instances in plan order. */
export interface Used extends Shipment<UsedInstance> {
  /** Why an instance is left out, by instance in plan order (status --remote shows them on its row). */
  leftOut: Map<string, Problem[]>;
  /** From the workspace: instances whose outputs this clone does not hold at all (not its to push). */
  absent: string[];
}

/**
 * Where the record of an instance that the local run-cache lacks is looked for: the workspace,
 * when it holds the locked content (what this clone can send), or the remote (what it can receive).
 */
export type RecordSource = { workspace: Hasher } | { remote: RemoteStore };

/** Local look-ups in flight at once (an up-to-date push of hundreds of instances is mostly these). */
const LOCAL_JOBS = 16;

/**
 * Collects what the `selected` instances (all when undefined) that pipeline.lock records use. The
 * look-ups run side by side and are merged in plan order. From the workspace, an instance is left
 * out (with a problem) unless every object of it can be read here; from the remote, objects the
 * local cache lacks are what a fetch brings.
 */
export async function collectUsed(
  plan: Plan,
  lock: Lock,
  selected: ReadonlySet<string> | undefined,
  cache: RunCache,
  source: RecordSource,
  jobs: number,
): Promise<Used> {
  const todo = plan.instances.filter((i) => (!selected || selected.has(i.id)) && lock.get(i.id));
  const looked = new Map<string, Result<Found | undefined>>();
  const lookUp =
    'workspace' in source
      ? (id: string, e: LockEntry) => fromHere(cache, source.workspace, plan.root, id, e)
      : (id: string, e: LockEntry) => fromRemote(cache, source.remote, id, e);
  await parallel(todo, 'workspace' in source ? LOCAL_JOBS : jobs, async (inst) => {
    looked.set(inst.id, await lookUp(inst.id, lock.get(inst.id)!));
  });
  const used: Used = { instances: [], objects: new Map(), manifests: new Map(), leftOut: new Map(), absent: [] };
  for (const inst of todo) {
    const found = looked.get(inst.id)!;
    if (!found.ok) {
      used.leftOut.set(inst.id, found.problems);
      continue;
    }
    if (!found.value) {
      used.absent.push(inst.id);
      continue;
    }
    const { record, local, objects } = found.value;
    const entry = lock.get(inst.id)!;
    used.instances.push({ id: inst.id, entry, fingerprint: entry.fingerprint, record, local });
    for (const [hash, o] of objects) {
      const known = used.objects.get(hash);
      if (known) known.neededBy.push(...o.neededBy);
      else used.objects.set(hash, o);
    }
    addManifests(used.manifests, record);
  }
  return used;
}

/** Why instances were left out, all in one list (push and fetch name them; the id is in each message). */
export function leftOutProblems(used: Used): Problem[] {
  return [...used.leftOut.values()].flat();
}

/** The listings of `record`'s directories, as the remote's manifests (by the directory's hash). */
function addManifests(manifests: Map<string, DirListing>, record: RunRecord): void {
  for (const rec of Object.values(record.outs)) if (rec.type === 'dir') manifests.set(outHash(rec), rec.files);
}

/**
 * One record's content as a shipment, for what moves single instances (the queue executor, the
 * remote run-cache): its objects from the local cache, else from `workspace` (where its outs lie),
 * and, with a `fingerprint`, the record itself filed under it. Messages name its files by out.
 */
export async function recordShipment(cache: RunCache, record: RunRecord, opts: { fingerprint?: string; workspace?: string } = {}): Promise<Result<Shipment>> {
  const found = await objectsOf(cache, '', record, false, async (out, f) => succeed(opts.workspace ? path.join(opts.workspace, out, f.path) : undefined));
  if (!found.ok) return found;
  const manifests = new Map<string, DirListing>();
  addManifests(manifests, record);
  const instances = opts.fingerprint ? [{ fingerprint: opts.fingerprint, record, local: false }] : [];
  return succeed({ instances, objects: found.value.objects, manifests });
}

interface Found {
  record: RunRecord;
  local: boolean;
  objects: Map<string, UsedObject>;
}

/**
 * The record of `entry` from the local run-cache, else the workspace (when it holds the locked
 * content), with every object readable here: the local cache, else the workspace. Undefined when
 * neither holds the outputs as locked (a fresh clone of a lock others ran).
 */
async function fromHere(cache: RunCache, hasher: Hasher, root: string, id: string, entry: LockEntry): Promise<Result<Found | undefined>> {
  let workspace: RunRecord | undefined | null = null; // null: not looked at yet
  const inWorkspace = async (): Promise<RunRecord | undefined> => (workspace === null ? (workspace = await workspaceRecord(hasher, entry)) : workspace);
  const local = await localRecord(cache, entry);
  const record = local ?? (await inWorkspace());
  if (!record) return succeed(undefined);
  return objectsOf(cache, id, record, local !== undefined, async (out, f, shown) => {
    if (await inWorkspace()) return succeed(path.join(root, out, f.path));
    return fail(`${shown}: its content ${f.hash.slice(0, 12)}… is neither in the local cache nor in the workspace; not pushed`);
  });
}

/** The record of `entry` from the local run-cache, else the remote; objects the local cache lacks are a fetch's to bring. */
async function fromRemote(cache: RunCache, store: RemoteStore, id: string, entry: LockEntry): Promise<Result<Found>> {
  const local = await localRecord(cache, entry);
  const record = local ? succeed(local) : await remoteRecord(store, entry, id);
  if (!record.ok) return record;
  return objectsOf(cache, id, record.value, local !== undefined, async () => succeed(undefined));
}

/** `record`'s objects, each in the local cache or where `elsewhere` finds it (a path or none; failing leaves the instance out). */
async function objectsOf(
  cache: RunCache,
  id: string,
  record: RunRecord,
  local: boolean,
  elsewhere: (out: string, file: { path: string; hash: string }, shown: string) => Promise<Result<string | undefined>>,
): Promise<Result<Found>> {
  const objects = new Map<string, UsedObject>();
  for (const [out, rec] of Object.entries(record.outs)) {
    for (const f of outFiles(rec)) {
      const shown = id ? `${id}: ${describeFile(out, f.path)}` : describeFile(out, f.path);
      const known = objects.get(f.hash);
      if (known) {
        known.neededBy.push(shown);
        continue;
      }
      const inCache = cache.objectPath(f.hash);
      const cached = await exists(inCache);
      const file = cached ? succeed(inCache) : await elsewhere(out, f, shown);
      if (!file.ok) return file;
      objects.set(f.hash, { size: f.size, file: file.value, cached, neededBy: [shown] });
    }
  }
  return succeed({ record, local, objects });
}
